import { describe, expect, it } from "vitest";
import { drillInputFor, runDrill } from "../../../../src/providers/postgres/drill/index.js";
import { postgresProvider } from "../../../../src/providers/postgres/index.js";
import { contextFor } from "../../context.js";
import { PG_BIN, useCluster } from "../../../support/postgres.js";
import { liveDatabase, migration, scratchDatabases } from "./fixtures.js";

describe("backout drill on a database in use: schema plus sampled data (real PostgreSQL)", () => {
  const pg = useCluster();

  it("falls back to pg_dump --schema-only and a foreign-key-safe sample when others are connected", async () => {
    const f = await liveDatabase(pg, 300);
    migration(
      f,
      "20240201000000_order_index.sql",
      "CREATE INDEX orders_total_idx ON orders (total);\nINSERT INTO users (email) VALUES ('new@example.com');",
      "DELETE FROM users WHERE email = 'new@example.com';\nDROP INDEX orders_total_idx;",
    );
    // An application session: CREATE DATABASE ... TEMPLATE is refused while it is connected.
    const app = await pg.connect(f.db);
    try {
      const ctx = contextFor(postgresProvider, {
        name: "db",
        baseDir: "/",
        settings: { url: f.url, migrations: f.dir, format: "auto" },
        dataLossPolicy: "archive",
      });
      const input = await drillInputFor(ctx, { sampleRows: 50, pgBin: PG_BIN });
      expect(input.format).toBe("dbmate");
      const report = await runDrill(input);
      expect(report).toMatchObject({
        copy: "schema-and-sample",
        sampleRows: 50,
        problems: [],
        policy: "archive",
      });
      // The DELETE in the down is archivable under the archive policy: the rollback is clean.
      expect(report.migrations[0]).toMatchObject({ up: true, down: true, reapplied: true, findings: [] });
      expect(report.migrations[0]?.archived).toHaveLength(1);
      expect(report.clean).toBe(true);
    } finally {
      await app.end();
    }
    expect(await scratchDatabases(pg)).toEqual([]);
    // The live database kept all its rows and its history.
    expect(await pg.sql("SELECT count(*)::int AS n FROM users", undefined, f.db)).toEqual([{ n: 300 }]);
    expect(await pg.sql("SELECT count(*)::int AS n FROM schema_migrations", undefined, f.db)).toEqual([
      { n: 1 },
    ]);
  });
});
