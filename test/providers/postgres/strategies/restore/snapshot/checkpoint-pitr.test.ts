import { chmodSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import { checkpointPostgres } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/checkpoint.js";
import { drainSlot } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/drain.js";
import { compareLsn } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/lsn.js";
import type { PgCluster } from "../../../../../support/postgres.js";
import { migrateUp, pgCtx, writeDbmate } from "../../../core/pg-fixture.js";
import { confirmedFlush, snapshotOf, startLogicalCluster, tempDir } from "./fixture.js";
import { until } from "../../../../../support/until.js";

let cluster: PgCluster;
const archive = tempDir("walarchive");

beforeAll(async () => {
  // The server (running as the postgres user) copies WAL here.
  chmodSync(archive, 0o777);
  cluster = await startLogicalCluster({
    archive_mode: "on",
    archive_command: `test ! -f ${archive}/%f && cp %p ${archive}/%f`,
  });
});
afterAll(async () => {
  await cluster.stop();
});

describe("checkpointPostgres (snapshot: pitr)", () => {
  it("takes a base backup, then a slot and restore point; the slot starts at the restore point", async () => {
    await cluster.createDatabase("pitr");
    const baseDir = tempDir("pitr");
    writeDbmate(join(baseDir, "migrations"));
    await migrateUp(cluster, "pitr", "dbmate", join(baseDir, "migrations"), 1);
    await cluster.sql("INSERT INTO users (email) VALUES ('before@x')", [], "pitr");
    const ctx = pgCtx(baseDir, {
      url: cluster.url("pitr"),
      format: "dbmate",
      snapshot: "pitr",
      pitr: { dataDir: cluster.dataDir, walArchive: archive },
    });
    const started = Date.now();
    const snap = snapshotOf(await checkpointPostgres(ctx, "c-pitr"));
    const ms = Date.now() - started;
    console.log(`pitr checkpoint (pg_basebackup + slot + restore point) ${ms} ms`);
    expect(snap).toMatchObject({ mode: "pitr", walArchive: archive, database: "pitr" });
    expect(existsSync(join(snap.baseBackup ?? "", "PG_VERSION"))).toBe(true);
    expect(existsSync(join(snap.baseBackup ?? "", "backup_label"))).toBe(true);
    expect(compareLsn(await confirmedFlush(cluster, snap.slot), snap.restoreLsn)).toBeGreaterThanOrEqual(0);
    // pg_switch_wal closed the restore point's segment: the archiver ships it.
    await until("a WAL segment in the archive", () =>
      readdirSync(archive).some((f) => /^[0-9A-F]{24}$/.test(f)),
    );

    await cluster.sql("INSERT INTO users (email) VALUES ('after@x')", [], "pitr");
    const store = openCaptureStore(join(baseDir, "capture.db"));
    const client = await cluster.connect("pitr");
    await drainSlot(client, snap.slot, store, { historyTables: ["schema_migrations"] });
    await client.end();
    // Only what committed after the restore point: recovery brings back the rest.
    expect(store.read(0, 100).map((c) => c.values.email)).toEqual(["after@x"]);
    store.close();
  });

  it("asks for the pitr settings when they are missing", async () => {
    await cluster.createDatabase("nopitr");
    const baseDir = tempDir("nopitr");
    writeDbmate(join(baseDir, "migrations"));
    const ctx = pgCtx(baseDir, { url: cluster.url("nopitr"), format: "dbmate", snapshot: "pitr" });
    await expect(checkpointPostgres(ctx, "c-y")).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      where: { component: "db", field: "pitr" },
    });
  });
});
