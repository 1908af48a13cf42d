/**
 * dbmate's schema file is re-dumped with pg_dump after a revert: the URL's password reaches
 * pg_dump through PGPASSWORD, never its argv, whatever form it takes (real processes standing in
 * for pg_dump, tools/recording-bin.ts; the database is never reached).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Queryable } from "../../../../src/providers/postgres/connection/queryable.js";
import { afterDbmateRevert } from "../../../../src/providers/postgres/layouts/dbmate-schema.js";
import { tempDir } from "../../../support/temp-dir.js";
import { recordingBin } from "../tools/recording-bin.js";

const noDatabase: Queryable = {
  query: () => Promise.reject(new Error("no database in this test")),
};

async function revertWith(url: string) {
  const dir = tempDir("dbmate-password");
  const { bin, runs } = recordingBin("pg_dump");
  const output = await afterDbmateRevert(noDatabase, {
    url,
    historyTable: undefined,
    migrationsDir: join(dir, "db", "migrations"),
    baseDir: dir,
    env: { PATH: process.env.PATH, BACKOUT_PG_BIN: bin },
    settings: { dumpSchema: true },
    redact: (t) => t,
  });
  // The version probe first, then the dump.
  const dump = runs().find((r) => r.args.includes("--schema-only"));
  return { output, dump };
}

describe("dbmate's schema dump", () => {
  it.each([
    ["in the URL", "postgres://u:hunter2@127.0.0.1:5432/db?search_path=app", "hunter2"],
    ["not valid percent-encoding", "postgres://u:hunter%zz@127.0.0.1:5432/db?search_path=app", "hunter%zz"],
    ["a query parameter", "postgres://u@127.0.0.1:5432/db?search_path=app&password=hunter2", "hunter2"],
  ])("gives pg_dump the password %s in PGPASSWORD, not argv", async (_, url, password) => {
    const { dump } = await revertWith(url);
    expect(dump?.password).toBe(password);
    expect(dump?.args.join(" ")).not.toContain("hunter");
    // dbmate's command: the search_path as --schema, the URL last without it.
    expect(dump?.args.slice(-3)).toEqual(["--schema", "app", "postgres://u@127.0.0.1:5432/db"]);
  });
});
