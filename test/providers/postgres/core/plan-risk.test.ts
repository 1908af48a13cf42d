/**
 * What plan says about risk, against a real cluster: no gate for a change that loses nothing
 * (a down that re-adds a column and backfills it; defaults are not user data), and loss that
 * already happened (an up that dropped a column) is named, with the only way back: a restore.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../../../src/core/errors.js";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { useCluster } from "../../../support/postgres.js";
import { tempDir } from "../../fixtures.js";
import { type Mig, migrateUp, pgCtx, planSteps, writeGolangMigrate } from "./pg-fixture.js";

const tmp = tempDir();

const cluster = useCluster();

const CUSTOMERS: Mig[] = [
  {
    n: 1,
    name: "create_customers",
    up: "CREATE TABLE customers (id serial PRIMARY KEY, first_name text, last_name text, name text);",
    down: "DROP TABLE customers;",
  },
  {
    n: 2,
    name: "drop_name",
    up: "ALTER TABLE customers DROP COLUMN name;",
    // The down re-adds the column and backfills it: nothing anyone wrote is overwritten.
    down: "ALTER TABLE customers ADD COLUMN name text;\nUPDATE customers SET name = first_name || ' ' || last_name;",
  },
  {
    n: 3,
    name: "add_prefs",
    up: "ALTER TABLE customers ADD COLUMN prefs jsonb NOT NULL DEFAULT '{}';",
    down: "ALTER TABLE customers DROP COLUMN prefs;",
  },
];

async function deployed(db: string, upTo: number) {
  const base = join(tmp, db);
  const dir = writeGolangMigrate(join(base, "migrations"), CUSTOMERS);
  await cluster.createDatabase(db);
  await migrateUp(cluster, db, "golang-migrate", dir, 1);
  await cluster.sql(
    "INSERT INTO customers (first_name, last_name, name) SELECT 'f' || g, 'l' || g, 'f' || g || ' l' || g FROM generate_series(1, 5) g",
    [],
    db,
  );
  await migrateUp(cluster, db, "golang-migrate", dir, upTo);
  return pgCtx(base, { url: cluster.url(db), format: "golang-migrate" });
}

describe("plan risk: no false alarms, and loss that already happened", () => {
  it("a down that re-adds a column and backfills it is not gated, and says the up's loss needs a restore", async () => {
    const ctx = await deployed("readd", 2);
    const [step] = await planSteps(ctx, { version: "1" });
    expect(step?.risk.dataLoss).toBe(false);
    expect(step?.risk.summary).not.toMatch(/overwrites/);
    expect(step?.risk.summary).toContain(
      "the up of 2 already destroyed data (drops column customers.name): the down brings the schema back, not those values; only a restore of a snapshot taken before it ran can",
    );
    expect(step?.params.lostByUp).toEqual(["drops column customers.name"]);
    // The statement is safe because the column it fills was created two lines above.
    const statements = step?.params.statements as { class: string; reason: string }[];
    expect(statements.map((s) => s.class)).toEqual(["safe", "safe"]);
    expect(statements[1]?.reason).toMatch(/created at line 1 of this same script/);

    // Applying it runs no gate and its output (which the report shows) names the loss.
    const out = await postgresProvider.apply(ctx, step!);
    expect(out.output).toMatch(/note: the up of 2 already destroyed data/);
    expect(await cluster.sql("SELECT name FROM customers ORDER BY id LIMIT 1", [], "readd")).toEqual([
      { name: "f1 l1" },
    ]);
  });

  it("values equal to a constant default are not counted as data at risk", async () => {
    const ctx = await deployed("defaults", 3);
    await cluster.sql(`UPDATE customers SET prefs = '{"dark": true}' WHERE id = 2`, [], "defaults");
    const [step] = await planSteps(ctx, { version: "2" });
    expect(step?.risk.summary).toBe("drops column customers.prefs");
    expect(step?.risk.rowsAtRisk).toBe(1);
    expect(step?.risk.measured).toBe(
      "customers.prefs: 1 non-null values (values equal to the default '{}'::jsonb not counted)",
    );
  });
});

describe("node-pg-migrate JavaScript migrations", () => {
  it("a plan whose .js down node-pg-migrate cannot run says so, naming the file and the tool's reason", async () => {
    const base = join(tmp, "npm-js");
    const dir = join(base, "migrations");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "1700000000000_add_flag.js"),
      "exports.up = (pgm) => { pgm.addColumn('t', { flag: 'boolean' }); };\nexports.down = () => { throw new Error('no way back'); };\n",
    );
    await cluster.createDatabase("npmjs");
    await cluster.sql(
      "CREATE TABLE pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL); INSERT INTO pgmigrations (name, run_on) VALUES ('1700000000000_add_flag', now())",
      [],
      "npmjs",
    );
    const ctx = pgCtx(base, { url: cluster.url("npmjs"), format: "node-pg-migrate", strategy: "reverse" });
    const e = await planSteps(ctx, { version: "0" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackoutError);
    expect((e as BackoutError).message).toMatch(
      /1700000000000_add_flag\.js\) cannot be reverted: node-pg-migrate's dry run of its down fails: no way back/,
    );
    // The fix offered is one for a JavaScript migration, not a SQL file's `-- Down Migration` section.
    expect((e as BackoutError).hint).not.toMatch(/-- Down Migration` section/);
  });
});
