/**
 * The classifier against a live schema with rules, ON UPDATE SET NULL foreign keys, TRUNCATE
 * CASCADE chains and event triggers: each write that sets one off is opaque with a reason naming
 * it; what only looks similar (a column drop, a trigger the script dropped first) is not.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyScript } from "../../../../src/providers/postgres/classify/classify.js";
import { measureAtRisk } from "../../../../src/providers/postgres/classify/measure.js";
import { useCluster } from "../../../support/postgres.js";

const cluster = useCluster();
let db: pg.Client;

beforeAll(async () => {
  const { name } = await cluster.freshDatabase("reach");
  db = await cluster.connect(name);
  await db.query(`
    CREATE TABLE events (id int PRIMARY KEY, kind text);
    CREATE TABLE inbox (event_id int, body text);
    CREATE RULE events_clear AS ON INSERT TO events DO ALSO DELETE FROM inbox WHERE inbox.event_id = NEW.id;
    CREATE TABLE accounts (id int PRIMARY KEY, code text UNIQUE, note text);
    CREATE TABLE invoices (id int PRIMARY KEY,
      account_code text REFERENCES accounts (code) ON UPDATE SET NULL ON DELETE SET NULL);
    INSERT INTO accounts SELECT g, 'a' || g, 'x' FROM generate_series(1, 6) g;
    INSERT INTO invoices SELECT g, 'a' || (1 + g % 6) FROM generate_series(1, 24) g;
    CREATE TABLE logs (id int PRIMARY KEY);
    CREATE TABLE log_refs (id int, log_id int REFERENCES logs);
    INSERT INTO logs SELECT generate_series(1, 5);
    INSERT INTO log_refs SELECT g, 1 + g % 5 FROM generate_series(1, 7) g;
    CREATE TABLE t (id int PRIMARY KEY);
    CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
    CREATE TRIGGER t_del AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION noop();
  `);
});

afterAll(async () => {
  await db?.end();
});

const classify = (sql: string) => classifyScript(sql, "down.sql", "public", db);

describe("classifier: triggers, rules and foreign-key actions a write sets off", () => {
  it("an INSERT rewritten by a rule that deletes elsewhere is opaque, naming the rule", async () => {
    const [s] = await classify("INSERT INTO events VALUES (1, 'x')");
    expect(s?.class).toBe("opaque");
    expect(s?.reason).toContain("INSERT on public.events is rewritten by rule events_clear on public.events");
  });

  it("an UPDATE of a referenced key with ON UPDATE SET NULL names the constraint and counts the values nulled", async () => {
    const out = await classify("UPDATE accounts SET code = upper(code) WHERE id <= 2");
    expect(out[0]?.class).toBe("opaque");
    expect(out[0]?.reason).toContain(
      "ON UPDATE SET NULL of foreign key invoices_account_code_fkey from public.accounts sets to NULL public.invoices.(account_code) in the referencing rows",
    );
    const measured = await measureAtRisk(db, out);
    expect(measured.map((m) => [m.target.table, m.target.column, m.values])).toEqual([
      ["accounts", "code", 2],
      ["invoices", "account_code", 8],
    ]);
    // An UPDATE of a column no foreign key references sets nothing off.
    expect((await classify("UPDATE accounts SET note = 'y'"))[0]?.class).toBe("destructive");
  });

  it("a column drop does not fire foreign-key actions or triggers: it stays destructive, no false alarm", async () => {
    const [s] = await classify("ALTER TABLE accounts DROP COLUMN note");
    expect(s?.class).toBe("destructive");
    expect(s?.reason).toBe("drops column public.accounts.note");
  });

  it("TRUNCATE ... CASCADE names and counts every table it also empties", async () => {
    const out = await classify("TRUNCATE logs CASCADE");
    expect(out[0]?.reason).toContain(
      "TRUNCATE ... CASCADE through foreign key log_refs_log_id_fkey to public.logs also empties public.log_refs",
    );
    const measured = await measureAtRisk(db, out);
    expect(measured.map((m) => [m.target.table, m.rows])).toEqual([
      ["logs", 5],
      ["log_refs", 7],
    ]);
  });

  it("a trigger the script drops (or disables) first does not count; one it adds does", async () => {
    expect((await classify("DELETE FROM t"))[0]?.class).toBe("opaque");
    const dropped = await classify("DROP TRIGGER t_del ON t; DELETE FROM t");
    expect(dropped.map((s) => s.class)).toEqual(["safe", "destructive"]);
    const disabled = await classify("ALTER TABLE t DISABLE TRIGGER USER; DELETE FROM t");
    expect(disabled.map((s) => s.class)).toEqual(["safe", "destructive"]);
    // Added by the script itself: seen without the live database too.
    const added = await classifyScript(
      "CREATE TRIGGER x AFTER DELETE ON orders FOR EACH ROW EXECUTE FUNCTION noop();\nDELETE FROM orders WHERE id = 1;",
      "down.sql",
    );
    expect(added[1]?.class).toBe("opaque");
    expect(added[1]?.reason).toContain("fires trigger x, added at line 1 of this script");
  });

  it("DDL is opaque while an event trigger is enabled", async () => {
    const { name } = await cluster.freshDatabase("evt");
    const other = await cluster.connect(name);
    try {
      await other.query(`
        CREATE TABLE u (id int, nick text);
        CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE EVENT TRIGGER ddl_log ON ddl_command_end EXECUTE FUNCTION on_ddl();`);
      const [s] = await classifyScript("ALTER TABLE u DROP COLUMN nick", "down.sql", "public", other);
      expect(s?.class).toBe("opaque");
      expect(s?.reason).toContain("DDL fires event trigger ddl_log (ddl_command_end)");
      await other.query("ALTER EVENT TRIGGER ddl_log DISABLE");
      expect(
        (await classifyScript("ALTER TABLE u DROP COLUMN nick", "down.sql", "public", other))[0]?.class,
      ).toBe("destructive");
    } finally {
      await other.end();
    }
  });
});
