/**
 * node-pg-migrate run with --schema, --migrations-schema, --migrations-table and --decamelize
 * (as flags, or from its --config-file): backout's down is the SQL the tool itself runs, in the
 * tool's search_path, and it leaves the database and the tool's history exactly as the real
 * tool's own `down` leaves a twin database.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import {
  type NpmSettings,
  resolveNpmOptions,
} from "../../../../src/providers/postgres/layouts/npm-options.js";
import { runCommand } from "../../../../src/process/run-command.js";
import { useCluster } from "../../../support/postgres.js";
import { pgCtx, planSteps } from "../core/pg-fixture.js";
import { writeTree } from "./revert.js";

const BIN = resolve("node_modules/.bin/node-pg-migrate");
const cluster = useCluster();

const FILES = {
  "1700000000000_create-orders.js":
    "exports.up = (pgm) => { pgm.createTable('customerOrders', { id: 'id', orderTotal: { type: 'integer' } }); };\n",
  "1700000000001_add-gift.js":
    "exports.up = (pgm) => { pgm.addColumn('customerOrders', { giftMessage: { type: 'text' } }); };\n" +
    "exports.down = (pgm) => { pgm.dropColumn('customerOrders', 'giftMessage'); };\n",
};
const FLAGS = [
  "--schema",
  "app",
  "--migrations-schema",
  "meta",
  "--migrations-table",
  "npm_history",
  "--decamelize",
];

async function tool(url: string, dir: string, args: string[]) {
  const out = await runCommand({
    argv: [BIN, ...args, "-m", dir, "--no-verbose", "--create-schema", "--create-migrations-schema"],
    cwd: resolve(dir, ".."),
    env: { ...process.env, DATABASE_URL: url },
    timeoutMs: 30_000,
  });
  if (out.exitCode !== 0) throw new Error(`node-pg-migrate ${args.join(" ")}:\n${out.stdout}\n${out.stderr}`);
}

/** Two databases the real tool brought up the same way, with the same rows. */
async function twins(name: string, dir: string, args: string[]) {
  const dbs = [`${name}_tool`, `${name}_backout`];
  for (const db of dbs) {
    const url = await cluster.createDatabase(db);
    await tool(url, dir, ["up", ...args]);
    await cluster.sql(
      "INSERT INTO app.customer_orders (order_total, gift_message) SELECT g, CASE WHEN g % 2 = 0 THEN 'hi' END FROM generate_series(1, 10) g",
      [],
      db,
    );
  }
  return dbs as [string, string];
}

async function state(db: string) {
  const columns = await cluster.sql(
    "SELECT table_schema, table_name, column_name FROM information_schema.columns WHERE table_schema IN ('app', 'meta', 'public') ORDER BY 1, 2, 3",
    [],
    db,
  );
  const history = await cluster.sql("SELECT name FROM meta.npm_history ORDER BY id", [], db);
  return { columns, history };
}

describe("node-pg-migrate options: the down is the tool's own", () => {
  it("with --schema, --migrations-schema, --migrations-table and --decamelize set on the component, backout reverts as the tool's own down does", async () => {
    const dir = join(writeTree(FILES), ".");
    const [byTool, byBackout] = await twins("flags", dir, FLAGS);
    await tool(cluster.url(byTool), dir, ["down", ...FLAGS]);

    const settings = {
      url: cluster.url(byBackout),
      migrations: dir,
      format: "node-pg-migrate",
      schema: "app",
      strategy: "reverse",
      nodePgMigrate: {
        schema: "app",
        migrationsSchema: "meta",
        migrationsTable: "npm_history",
        decamelize: true,
      },
    };
    const ctx = pgCtx(resolve(dir, ".."), settings);
    const steps = await planSteps(ctx, { version: "1700000000000_create-orders" });
    expect(steps).toHaveLength(1);
    const down = steps[0]?.params.downSql as string;
    expect(down).toBe('SET search_path TO "app"; ALTER TABLE "customer_orders"\n  DROP "gift_message";');
    // Measured in the tool's schema: the five gift messages the drop loses.
    expect(steps[0]?.risk.summary).toBe("drops column app.customer_orders.gift_message");
    expect(steps[0]?.risk.measured).toBe("app.customer_orders.gift_message: 5 non-null values");
    // The privilege check looks at the tool's history table, not at public.pgmigrations.
    await cluster.sql("CREATE ROLE npm_limited LOGIN");
    await cluster.sql(
      "GRANT USAGE, CREATE ON SCHEMA app, meta TO npm_limited; GRANT SELECT ON meta.npm_history TO npm_limited; ALTER TABLE app.customer_orders OWNER TO npm_limited",
      [],
      byBackout,
    );
    const limited = pgCtx(resolve(dir, ".."), {
      ...settings,
      url: cluster.url(byBackout).replace("postgres@", "npm_limited@"),
    });
    await expect(planSteps(limited, { version: "1700000000000_create-orders" })).rejects.toThrow(
      /DELETE on meta\.npm_history/,
    );
    const checks = await postgresProvider.doctor!(limited);
    expect(checks.find((c) => c.name === "privileges: reverse")?.detail).toContain(
      "DELETE on meta.npm_history",
    );

    await postgresProvider.apply(ctx, steps[0]!);
    expect(await state(byBackout)).toEqual(await state(byTool));
    expect((await state(byBackout)).history).toEqual([{ name: "1700000000000_create-orders" }]);
  });

  it("reads the options from the tool's --config-file (its values override the component's flags, as the tool's do)", async () => {
    const dir = join(writeTree(FILES), ".");
    const config = resolve(dir, "..", "npm-config.json");
    writeFileSync(
      config,
      JSON.stringify({
        db: {
          schema: ["app", "public"],
          "migrations-schema": "meta",
          "migrations-table": "npm_history",
          decamelize: true,
        },
      }),
    );
    const [byTool, byBackout] = await twins("file", dir, ["--config-file", config]);
    await tool(cluster.url(byTool), dir, ["down", "--config-file", config]);

    const ctx = pgCtx(resolve(dir, ".."), {
      url: cluster.url(byBackout),
      migrations: dir,
      format: "node-pg-migrate",
      schema: "app",
      strategy: "reverse",
      nodePgMigrate: { configFile: "npm-config.json", migrationsTable: "overridden_by_the_file" },
    });
    const [step] = await planSteps(ctx, { version: "1700000000000_create-orders" });
    expect(step?.params.downSql).toBe(
      'SET search_path TO "app", "public"; ALTER TABLE "customer_orders"\n  DROP "gift_message";',
    );
    await postgresProvider.apply(ctx, step!);
    expect(await state(byBackout)).toEqual(await state(byTool));
  });
});

describe("node-pg-migrate options: where the tool reads them", () => {
  /** A project with the `config` package installed (the tool reads node-config only then). */
  function project(files: Record<string, string>): string {
    return writeTree({
      "package.json": "{}",
      "node_modules/config/package.json": '{"name":"config","main":"index.js"}',
      "node_modules/config/index.js": "",
      "migrations/.keep": "",
      ...files,
    });
  }
  const resolveFor = (root: string, settings: NpmSettings, env: Record<string, string> = {}) =>
    resolveNpmOptions({
      settings,
      baseDir: root,
      migrationsDir: join(root, "migrations"),
      env,
      component: "db",
    });

  it("node-config's db section overrides the flags, --config-file overrides both, defaults fill the rest", () => {
    const root = project({
      "config/default.json": JSON.stringify({ db: { schema: "app", decamelize: true } }),
      "config/production.json": JSON.stringify({ db: { "migrations-table": "prod_history" } }),
      "tool.json": JSON.stringify({ "migrations-schema": "meta" }),
    });
    expect(resolveFor(root, { schema: "flag", migrationsTable: "flag_table" })).toEqual({
      schemas: ["app"],
      migrationsSchema: "app",
      migrationsTable: "flag_table",
      decamelize: true,
    });
    expect(resolveFor(root, { configFile: "tool.json" }, { NODE_ENV: "production" })).toEqual({
      schemas: ["app"],
      migrationsSchema: "meta",
      migrationsTable: "prod_history",
      decamelize: true,
    });
    // Without the config package the tool ignores config/: so does backout.
    const bare = writeTree({
      "package.json": "{}",
      "config/default.json": '{"db":{"schema":"app"}}',
      "migrations/.keep": "",
    });
    expect(resolveFor(bare, {}).schemas).toEqual(["public"]);
  });

  it("a node-config file backout cannot read (not JSON) is refused, naming it", () => {
    const root = project({ "config/default.yaml": "db:\n  schema: app\n" });
    expect(() => resolveFor(root, {})).toThrow(/default\.yaml is not JSON/);
  });
});
