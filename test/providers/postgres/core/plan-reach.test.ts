/**
 * A down whose own statements look harmless (or archivable) can still lose data elsewhere: a
 * DELETE cascades through ON DELETE CASCADE foreign keys, an UPDATE fires a trigger that deletes
 * from another table. plan looks them up on the live database: the step is gated, names the
 * constraint or trigger and the table reached, and counts the rows a cascade takes, which is
 * exactly what applying the down then deletes.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { type Mig, migrateUp, pgCtx, planSteps, writeGolangMigrate } from "./pg-fixture.js";

const tmp = tempDir();
const cluster = useCluster();

async function deployed(db: string, migs: Mig[], seed: string, policy: "confirm" | "archive") {
  const base = join(tmp, db);
  const dir = writeGolangMigrate(join(base, "migrations"), migs);
  await cluster.createDatabase(db);
  await migrateUp(cluster, db, "golang-migrate", dir, 1);
  await cluster.sql(seed, [], db);
  await migrateUp(cluster, db, "golang-migrate", dir, migs.length);
  return pgCtx(base, { url: cluster.url(db), format: "golang-migrate" }, policy);
}

const count = async (db: string, table: string) =>
  Number((await cluster.sql(`SELECT count(*) AS n FROM ${table}`, [], db))[0]?.n);

describe("plan: what a down sets off beyond its own rows", () => {
  it("a DELETE that cascades (two levels) is gated even under the archive policy, and the cascaded rows are counted exactly", async () => {
    const migs: Mig[] = [
      {
        n: 1,
        name: "orders",
        up: `CREATE TABLE orders (id int PRIMARY KEY, status text);
             CREATE TABLE order_items (id int PRIMARY KEY, order_id int REFERENCES orders ON DELETE CASCADE);
             CREATE TABLE item_notes (id int PRIMARY KEY, item_id int REFERENCES order_items ON DELETE CASCADE, note text);`,
        down: "DROP TABLE item_notes, order_items, orders;",
      },
      {
        n: 2,
        name: "test_orders",
        up: "INSERT INTO orders VALUES (100, 'test');",
        down: "DELETE FROM orders WHERE status = 'test';",
      },
    ];
    const db = "cascade";
    const ctx = await deployed(
      db,
      migs,
      `INSERT INTO orders SELECT g, CASE WHEN g <= 3 THEN 'test' ELSE 'paid' END FROM generate_series(1, 10) g;
       INSERT INTO order_items SELECT g, 1 + (g % 10) FROM generate_series(1, 30) g;
       INSERT INTO item_notes SELECT g, g, 'n' FROM generate_series(1, 30) g WHERE g % 2 = 0;`,
      "archive",
    );
    const [step] = await planSteps(ctx, { version: "1" });
    // Before: "archives first (deletes rows of orders where status = 'test')", no gate.
    expect(step?.risk.dataLoss).toBe(true);
    expect(step?.risk.summary).toContain(
      "ON DELETE CASCADE of foreign key order_items_order_id_fkey from public.orders deletes the referencing rows of public.order_items",
    );
    expect(step?.risk.summary).toContain(
      "ON DELETE CASCADE of foreign key item_notes_item_id_fkey from public.order_items deletes the referencing rows of public.item_notes",
    );
    const expectedItems = await count(
      db,
      "order_items WHERE order_id IN (SELECT id FROM orders WHERE status = 'test')",
    );
    const expectedNotes = await count(
      db,
      "item_notes WHERE item_id IN (SELECT i.id FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status = 'test')",
    );
    expect(expectedItems).toBe(9);
    expect(expectedNotes).toBeGreaterThan(0);
    expect(step?.risk.measured).toContain(`orders: 4 rows`);
    expect(step?.risk.measured).toContain(`order_items: ${expectedItems} rows`);
    expect(step?.risk.measured).toContain(`item_notes: ${expectedNotes} rows`);

    const [items, notes] = [await count(db, "order_items"), await count(db, "item_notes")];
    await postgresProvider.apply(ctx, step!);
    expect(items - (await count(db, "order_items"))).toBe(expectedItems);
    expect(notes - (await count(db, "item_notes"))).toBe(expectedNotes);
  });

  it("a re-add-and-backfill down whose UPDATE fires a trigger deleting from an audit table is gated, naming the trigger", async () => {
    const migs: Mig[] = [
      {
        n: 1,
        name: "users",
        up: `CREATE TABLE users (id int PRIMARY KEY, name text, display text);
             CREATE TABLE audit (id serial PRIMARY KEY, user_id int, what text);
             CREATE FUNCTION forget_audit() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN DELETE FROM audit WHERE user_id = NEW.id; RETURN NEW; END $$;
             CREATE TRIGGER users_forget AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION forget_audit();`,
        down: "DROP TABLE users, audit; DROP FUNCTION forget_audit();",
      },
      {
        n: 2,
        name: "drop_display",
        up: "ALTER TABLE users DROP COLUMN display;",
        down: "ALTER TABLE users ADD COLUMN display text;\nUPDATE users SET display = name;",
      },
    ];
    const db = "trigger";
    const ctx = await deployed(
      db,
      migs,
      `INSERT INTO users SELECT g, 'u' || g, 'u' || g FROM generate_series(1, 5) g;
       INSERT INTO audit (user_id, what) SELECT 1 + g % 5, 'login' FROM generate_series(1, 20) g;`,
      "confirm",
    );
    const [step] = await planSteps(ctx, { version: "1" });
    // Before: both statements safe ("created at line 1 of this same script"), no gate.
    expect(step?.risk.dataLoss).toBe(true);
    const statements = step?.params.statements as { class: string; reason: string }[];
    expect(statements.map((s) => s.class)).toEqual(["safe", "opaque"]);
    expect(statements[1]?.reason).toContain(
      "UPDATE on public.users fires trigger users_forget on public.users (public.forget_audit), which may change any table",
    );
    // And it really does: applying the down empties the audit trail.
    expect(await count(db, "audit")).toBe(20);
    await postgresProvider.apply(ctx, step!);
    expect(await count(db, "audit")).toBe(0);
  });
});
