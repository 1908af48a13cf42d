/**
 * The corpus part whose class depends on the live database: the same kinds of statement as in
 * classify-corpus.ts, against LIVE_SCHEMA's triggers, rules and foreign-key actions. "opaque"
 * here means the statement sets off something that changes other rows than the ones it names.
 */
import type { Expected } from "./classify-corpus.js";

export const LIVE_SCHEMA = `
  CREATE TABLE orders (id int PRIMARY KEY, status text);
  CREATE TABLE order_items (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE CASCADE);
  CREATE TABLE item_notes (id int PRIMARY KEY, item_id int REFERENCES order_items ON DELETE CASCADE);
  CREATE TABLE shipments (id int PRIMARY KEY, order_id int REFERENCES orders ON UPDATE CASCADE);
  CREATE TABLE accounts (id int PRIMARY KEY, code text UNIQUE, note text);
  CREATE TABLE invoices (id int PRIMARY KEY,
    account_code text REFERENCES accounts (code) ON UPDATE SET NULL ON DELETE SET NULL);
  CREATE TABLE logs (id int PRIMARY KEY);
  CREATE TABLE log_refs (id int, log_id int REFERENCES logs);
  CREATE TABLE archive_rows (id int);
  CREATE TABLE users (id int PRIMARY KEY, nick text);
  CREATE TABLE audit (user_id int);
  CREATE FUNCTION forget() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN DELETE FROM audit WHERE user_id = NEW.id; RETURN NEW; END $$;
  CREATE TRIGGER users_forget AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION forget();
  CREATE TABLE quiet (id int);
  CREATE TRIGGER quiet_off AFTER INSERT OR DELETE ON quiet FOR EACH ROW EXECUTE FUNCTION forget();
  ALTER TABLE quiet DISABLE TRIGGER quiet_off;
  CREATE TABLE events (id int PRIMARY KEY, kind text);
  CREATE TABLE inbox (event_id int);
  CREATE RULE events_clear AS ON INSERT TO events DO ALSO DELETE FROM inbox WHERE inbox.event_id = NEW.id;
  CREATE TABLE measurements (at date, v int) PARTITION BY RANGE (at);
  CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TRIGGER m24_del AFTER DELETE ON measurements_2024 FOR EACH ROW EXECUTE FUNCTION forget();
  CREATE VIEW v_orders AS SELECT id, status FROM orders;
  CREATE FUNCTION v_orders_del() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN DELETE FROM orders WHERE id = OLD.id; RETURN OLD; END $$;
  CREATE TRIGGER v_orders_del INSTEAD OF DELETE ON v_orders FOR EACH ROW EXECUTE FUNCTION v_orders_del();
  CREATE TABLE ledger (id int);
  CREATE FUNCTION keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
  CREATE TRIGGER ledger_trunc AFTER TRUNCATE ON ledger FOR EACH STATEMENT EXECUTE FUNCTION keep();
`;

export const LIVE_CORPUS: [sql: string, expected: Expected][] = [
  // Writes nothing is attached to: judged by the statement alone.
  ["INSERT INTO accounts VALUES (99, 'z', 'n')", "safe"],
  ["INSERT INTO logs VALUES (99)", "safe"],
  ["INSERT INTO quiet VALUES (1)", "safe"],
  ["SELECT count(*) FROM orders", "safe"],
  ["ALTER TABLE accounts ADD COLUMN extra text", "safe"],
  ["CREATE INDEX ON orders (status)", "safe"],
  ["DROP TRIGGER users_forget ON users", "safe"],
  ["DELETE FROM logs WHERE id = 1", "destructive"],
  ["DELETE FROM quiet", "destructive"],
  ["DELETE FROM archive_rows", "destructive"],
  ["UPDATE accounts SET note = 'y'", "destructive"],
  ["UPDATE orders SET status = 'x'", "destructive"],
  ["ALTER TABLE accounts DROP COLUMN note", "destructive"],
  ["ALTER TABLE orders DROP COLUMN status", "destructive"],
  ["DROP TABLE item_notes", "destructive"],
  ["TRUNCATE item_notes", "destructive"],
  ["TRUNCATE logs", "destructive"],
  // Set off something that changes other rows.
  ["DELETE FROM orders WHERE status = 'test'", "opaque"],
  ["DELETE FROM order_items", "opaque"],
  ["UPDATE orders SET id = id + 1000", "opaque"],
  ["UPDATE accounts SET code = lower(code)", "opaque"],
  ["DELETE FROM accounts WHERE id = 3", "opaque"],
  ["MERGE INTO accounts a USING (VALUES (1)) s(id) ON a.id = s.id WHEN MATCHED THEN DELETE", "opaque"],
  ["UPDATE users SET nick = 'x' WHERE nick IS NULL", "opaque"],
  ["INSERT INTO events VALUES (5, 'k')", "opaque"],
  ["WITH x AS (SELECT 1) INSERT INTO events SELECT 7, 'k' FROM x", "opaque"],
  ["COPY events FROM '/tmp/events.csv'", "opaque"],
  ["TRUNCATE logs CASCADE", "opaque"],
  ["TRUNCATE orders CASCADE", "opaque"],
  ["TRUNCATE ledger", "opaque"],
  ["DELETE FROM measurements WHERE v < 0", "opaque"],
  ["DELETE FROM v_orders WHERE id = 1", "opaque"],
];
