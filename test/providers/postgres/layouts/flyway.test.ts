import type pg from "pg";
import { describe, expect, it } from "vitest";
import {
  createFlywayLayout,
  flywayCreateTableSql,
  flywayLayout as layout,
} from "../../../../src/providers/postgres/layouts/flyway.js";
import {
  compareFlywayVersions,
  flywayChecksum,
} from "../../../../src/providers/postgres/layouts/flyway-names.js";
import { useCluster } from "../../../support/postgres.js";
import { applyWith, columns, revertNewest, writeTree } from "./revert.js";

const FILES = {
  "V1__create_users.sql": "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, legacy text);\n",
  "V1_9__add_nickname.sql": "ALTER TABLE users ADD COLUMN nickname text;\n",
  "U1_9__add_nickname.sql": "ALTER TABLE users DROP COLUMN nickname;\n",
  "sub/V1.10__drop_legacy.sql": "ALTER TABLE users DROP COLUMN legacy;\n",
  "sub/U1.10__drop_legacy.sql": "ALTER TABLE users ADD COLUMN legacy text;\n",
  "R__refresh_views.sql": "SELECT 1;\n",
};

/** What `flyway migrate` leaves: the table from Flyway's own DDL and one SQL row per script. */
async function seedAsFlyway(
  client: pg.Client,
  extra: { version: string; type: string; success: boolean }[] = [],
) {
  for (const sql of flywayCreateTableSql("public", "flyway_schema_history")) await client.query(sql);
  const rows = [
    ["1", "create users", "V1__create_users.sql", FILES["V1__create_users.sql"]],
    ["1.9", "add nickname", "V1_9__add_nickname.sql", FILES["V1_9__add_nickname.sql"]],
    ["1.10", "drop legacy", "V1.10__drop_legacy.sql", FILES["sub/V1.10__drop_legacy.sql"]],
  ] as const;
  let rank = 0;
  for (const [version, description, script, sql] of rows) {
    await client.query(sql);
    await client.query(
      `INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
       VALUES ($1, $2, $3, 'SQL', $4, $5, 'postgres', 12, true)`,
      [++rank, version, description, script, flywayChecksum(sql)],
    );
  }
  // Repeatable migrations have no version; they must not count as applied versions.
  await client.query(
    `INSERT INTO flyway_schema_history VALUES ($1, NULL, 'refresh views', 'SQL', 'R__refresh_views.sql', 1, 'postgres', now(), 1, true)`,
    [++rank],
  );
  for (const e of extra) {
    await client.query(
      `INSERT INTO flyway_schema_history VALUES ($1, $2, 'x', $3, 'V9__x.sql', 1, 'postgres', now(), 1, $4)`,
      [++rank, e.version, e.type, e.success],
    );
  }
}

describe("Flyway is not installable on this machine: follows the documented table layout (PostgreSQL, hand-seeded history)", () => {
  const cluster = useCluster();

  async function db(name: string): Promise<pg.Client> {
    await cluster.createDatabase(name);
    return cluster.connect(name);
  }

  it("orders versions numerically by dot parts and computes Flyway's line-based CRC32 checksum", () => {
    expect(["1.10", "1.9", "1", "2", "1.2.1"].sort(compareFlywayVersions)).toEqual([
      "1",
      "1.2.1",
      "1.9",
      "1.10",
      "2",
    ]);
    expect(compareFlywayVersions("1.0", "1")).toBe(0);
    // CRC-32 check value of "123456789" is 0xCBF43926, stored as a signed int; line breaks and a BOM do not count.
    expect(flywayChecksum("123456789")).toBe(0xcbf43926 | 0);
    expect(flywayChecksum("12345\n6789\n")).toBe(-873187034);
    expect(flywayChecksum("\uFEFF12345\r\n6789")).toBe(-873187034);
  });

  it("reads V and U scripts anywhere under the location, oldest version first", async () => {
    const dir = writeTree(FILES);
    const ms = await layout.readMigrations(dir);
    expect(ms.map((m) => [m.version, m.name])).toEqual([
      ["1", "create users"],
      ["1.9", "add nickname"],
      ["1.10", "drop legacy"],
    ]);
    expect(ms[0]?.downFile).toBeUndefined();
    expect(ms[2]?.downSql).toContain("ADD COLUMN legacy");
    expect(await layout.detect(dir)).toBe(true);
    expect(await layout.detect(writeTree({ "sqitch.plan": "%project=x\n" }))).toBe(false);
    await expect(layout.readMigrations(writeTree({ "V1__a.sql": "", "V1.0__b.sql": "" }))).rejects.toThrow(
      /more than one V migration with version 1/,
    );
  });

  it("reverts with the U scripts and appends UNDO_SQL rows, keeping the V rows, as flyway undo does", async () => {
    const dir = writeTree(FILES);
    const client = await db("undo");
    try {
      expect(await layout.appliedVersions(client)).toEqual([]);
      await seedAsFlyway(client);
      expect(await layout.appliedVersions(client)).toEqual(["1", "1.9", "1.10"]);

      expect(await revertNewest(client, layout, dir, 2)).toEqual(["1.10", "1.9"]);
      expect(await layout.appliedVersions(client)).toEqual(["1"]);
      expect(await columns(client, "users")).toEqual(["id", "email", "legacy"]);
      const rows = await client.query(
        "SELECT installed_rank, version, description, type, script, checksum, installed_by, success FROM flyway_schema_history ORDER BY installed_rank",
      );
      expect(rows.rows).toHaveLength(6);
      expect(rows.rows.slice(4)).toEqual([
        {
          installed_rank: 5,
          version: "1.10",
          description: "drop legacy",
          type: "UNDO_SQL",
          script: "U1.10__drop_legacy.sql",
          checksum: flywayChecksum(FILES["sub/U1.10__drop_legacy.sql"]),
          installed_by: "postgres",
          success: true,
        },
        {
          installed_rank: 6,
          version: "1.9",
          description: "add nickname",
          type: "UNDO_SQL",
          script: "U1_9__add_nickname.sql",
          checksum: flywayChecksum(FILES["U1_9__add_nickname.sql"]),
          installed_by: "postgres",
          success: true,
        },
      ]);

      // A later migrate re-applies the undone versions with new SQL rows; they count as applied again.
      const ms = await layout.readMigrations(dir);
      for (const m of ms.slice(1)) await applyWith(client, layout, m);
      expect(await layout.appliedVersions(client)).toEqual(["1", "1.9", "1.10"]);
      expect(await columns(client, "users")).toEqual(["id", "email", "nickname"]);
    } finally {
      await client.end();
    }
  });

  it("refuses a history with a failed row, naming it", async () => {
    const client = await db("failed");
    try {
      await seedAsFlyway(client, [{ version: "2", type: "SQL", success: false }]);
      await expect(layout.appliedVersions(client)).rejects.toThrow(
        /failed row: installed_rank 5, version 2, script V9__x.sql/,
      );
    } finally {
      await client.end();
    }
  });

  it("counts a BASELINE row, and a repair DELETE row removes a version", async () => {
    const client = await db("baseline");
    try {
      await seedAsFlyway(client, [
        { version: "0.5", type: "BASELINE", success: true },
        { version: "1.9", type: "DELETE", success: true },
      ]);
      expect(await layout.appliedVersions(client)).toEqual(["0.5", "1", "1.10"]);
    } finally {
      await client.end();
    }
  });

  it("creates the history with Flyway's DDL when a drill records on an empty database, in a custom table", async () => {
    const dir = writeTree(FILES);
    const client = await db("drill");
    const custom = createFlywayLayout({ table: "schema_history", installedBy: "backout-drill" });
    try {
      for (const m of await custom.readMigrations(dir)) await applyWith(client, custom, m);
      expect(await custom.appliedVersions(client)).toEqual(["1", "1.9", "1.10"]);
      const idx = await client.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'schema_history' ORDER BY indexname",
      );
      expect(idx.rows.map((r) => r.indexname)).toEqual(["schema_history_pk", "schema_history_s_idx"]);
      const by = await client.query("SELECT DISTINCT installed_by FROM schema_history");
      expect(by.rows).toEqual([{ installed_by: "backout-drill" }]);
    } finally {
      await client.end();
    }
  });
});
