import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import {
  createNodePgMigrateLayout,
  nodePgMigrateLayout as layout,
} from "../../../../src/providers/postgres/layouts/node-pg-migrate.js";
import { runCommand } from "../../../../src/process/run-command.js";
import { useCluster } from "../../../support/postgres.js";
import { applyWith, columns, revertNewest, writeTree } from "./revert.js";

const BIN = resolve("node_modules/.bin/node-pg-migrate");

const MIGRATIONS = {
  "1700000000000_create-users.sql":
    "-- Up Migration\nCREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, legacy text);\n\n-- Down Migration\nDROP TABLE users;\n",
  "1700000000001_add-nickname.sql":
    "-- Up Migration\nALTER TABLE users ADD COLUMN nickname text;\n-- Down Migration\nALTER TABLE users DROP COLUMN nickname;\n",
  "1700000000002_drop-legacy.sql":
    "-- Up Migration\nALTER TABLE users DROP COLUMN legacy;\n-- Down Migration\nALTER TABLE users ADD COLUMN legacy text;\n",
};

/** The real tool, as its users run it: DATABASE_URL in the environment, -m for the directory. */
async function tool(url: string, dir: string, ...args: string[]) {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: run npm install (devDependency node-pg-migrate 8)`);
  const out = await runCommand({
    argv: [BIN, ...args, "-m", dir, "--no-verbose"],
    env: { ...process.env, DATABASE_URL: url },
    timeoutMs: 15_000,
  });
  if (out.exitCode !== 0)
    throw new Error(`node-pg-migrate ${args.join(" ")} failed:\n${out.stdout}\n${out.stderr}`);
  return out.stdout;
}

describe("node-pg-migrate layout (real node-pg-migrate 8 and PostgreSQL)", () => {
  const cluster = useCluster();

  async function db(name: string): Promise<[string, pg.Client]> {
    const url = await cluster.createDatabase(name);
    return [url, await cluster.connect(name)];
  }

  it("reads files in the tool's order and splits the Up/Down sections", async () => {
    const dir = writeTree({ ...MIGRATIONS, ".hidden.sql": "ignored" });
    const ms = await layout.readMigrations(dir);
    expect(ms.map((m) => m.version)).toEqual([
      "1700000000000_create-users",
      "1700000000001_add-nickname",
      "1700000000002_drop-legacy",
    ]);
    expect(ms[1]?.downSql).toContain("DROP COLUMN nickname");
    expect(ms[1]?.downSql).not.toContain("ADD COLUMN nickname");
    expect(ms[1]?.upSql).not.toContain("DROP COLUMN");
    expect(await layout.detect(dir)).toBe(true);
    const dbmateDir = writeTree({
      "20240101120000_x.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
    });
    expect(await layout.detect(dbmateDir)).toBe(false);
  });

  it("reverts what the tool applied, leaves pgmigrations as its own down would, and the tool's up re-applies cleanly", async () => {
    const dir = writeTree(MIGRATIONS);
    const [url, client] = await db("interop");
    try {
      expect(await layout.appliedVersions(client)).toEqual([]);
      await tool(url, dir, "up");
      const all = Object.keys(MIGRATIONS).map((f) => f.replace(/\.sql$/, ""));
      expect(await layout.appliedVersions(client)).toEqual(all);
      await client.query("INSERT INTO users (email, nickname) VALUES ('a@example.com', 'al')");

      expect(await revertNewest(client, layout, dir, 2)).toEqual([all[2], all[1]]);
      expect(await layout.appliedVersions(client)).toEqual([all[0]]);
      expect(await columns(client, "users")).toEqual(["id", "email", "legacy"]);

      // The tool agrees: its `up` (which checks the history's order against the files) re-applies the two...
      const reup = await tool(url, dir, "up");
      expect(reup).toContain("add-nickname");
      expect(await layout.appliedVersions(client)).toEqual(all);
      expect(await columns(client, "users")).toEqual(["id", "email", "nickname"]);
      // ...and a second `up` finds nothing to do (history matches the files, in order).
      expect(await tool(url, dir, "up")).toContain("No migrations to run");
    } finally {
      await client.end();
    }
  });

  it("records applied migrations (drill) so the tool then has nothing to run", async () => {
    const dir = writeTree(MIGRATIONS);
    const [url, client] = await db("drill");
    try {
      for (const m of await layout.readMigrations(dir)) await applyWith(client, layout, m);
      expect(await layout.appliedVersions(client)).toHaveLength(3);
      expect(await tool(url, dir, "up")).toContain("No migrations to run");
      await tool(url, dir, "down");
      expect(await layout.appliedVersions(client)).toHaveLength(2);
    } finally {
      await client.end();
    }
  });

  it("JS migrations: the SQL is the tool's dry run; an impossible down is the tool's own reason", async () => {
    const root = writeTree({
      "package.json": '{ "type": "module" }',
      "migrations/1700000000000_auto.js":
        'export const up = (pgm) => { pgm.createTable("t", { id: "id" }); };',
      "migrations/1700000000001_sql-no-down.js":
        'export const up = (pgm) => { pgm.sql("UPDATE t SET id = id"); };',
      "migrations/1700000000002_throws.cjs":
        'exports.up = (pgm) => { pgm.addColumn("t", { c: "text" }); };\nexports.down = () => { throw new Error("boom"); };',
      "migrations/1700000000003_queries.mjs":
        'export const up = () => {};\nexport const down = async (pgm) => { await pgm.db.query("SELECT 1"); };',
      "migrations/1700000000004_plain.sql": "-- Up Migration\nSELECT 1;\n-- Down Migration\nSELECT 2;\n",
    });
    const dir = join(root, "migrations");
    const npm = createNodePgMigrateLayout({ migrationsDir: dir });
    const all = await npm.readMigrations(dir);
    expect(all.map((m) => m.runtime === true)).toEqual([true, true, true, true, false]);
    const [auto, sqlNoDown, throws, queries, plain] = await npm.toolSql!(all, all);
    // No down export: node-pg-migrate reverses the up itself.
    expect(auto?.downSql).toBe('DROP TABLE "t";');
    expect(auto?.upSql).toBe('CREATE TABLE "t" (\n  "id" serial PRIMARY KEY\n);');
    expect(auto?.downTransaction).toBe(true);
    expect(sqlNoDown?.downSql).toBeUndefined();
    expect(sqlNoDown?.downProblem).toMatch(/Impossible to automatically infer down migration/);
    expect(throws?.downProblem).toBe("boom");
    expect(throws?.upSql).toBe('ALTER TABLE "t"\n  ADD "c" text;');
    expect(queries?.downProblem).toMatch(/queries the database \(pgm\.db\)/);
    expect(plain).toBe(all[4]);
  });

  it("refuses to record a revert the history does not list", async () => {
    const dir = writeTree(MIGRATIONS);
    const [, client] = await db("missing");
    try {
      const [first] = await layout.readMigrations(dir);
      await applyWith(client, layout, first!);
      const other = (await layout.readMigrations(dir))[1]!;
      await expect(layout.recordReverted(client, other)).rejects.toThrow(
        /no row for 1700000000001_add-nickname/,
      );
    } finally {
      await client.end();
    }
  });
});
