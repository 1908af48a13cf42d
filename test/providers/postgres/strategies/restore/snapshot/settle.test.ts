import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import {
  drainSlot,
  walBehind,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/drain.js";
import {
  SETTLED_BYTES,
  settleSlot,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/settle.js";
import type { PgCluster } from "../../../../../support/postgres.js";
import { createSlot, startLogicalCluster, tempDir } from "./fixture.js";

let cluster: PgCluster;
const HISTORY = { historyTables: ["schema_migrations"] };
const MB = 1024 * 1024;

beforeAll(async () => {
  cluster = await startLogicalCluster();
});
afterAll(async () => {
  await cluster.stop();
});

describe("settleSlot", () => {
  it("moves the restart point past another database's bulk WAL, so the next drain reads little, and keeps every write", async () => {
    // The live database with the slot, and a copy on the same server that a replay fills (dump mode).
    await cluster.createDatabase("live");
    await cluster.createDatabase("copy");
    await cluster.sql("CREATE TABLE t (id int PRIMARY KEY, v text)", [], "live");
    await cluster.sql("CREATE TABLE bulk (id int, pad text)", [], "copy");
    await createSlot(cluster, "live", "s_live");
    const client = await cluster.connect("live");
    const store = openCaptureStore(join(tempDir("settle"), "live.db"));
    try {
      await cluster.sql("INSERT INTO t SELECT g, 'a' FROM generate_series(1, 100) g", [], "live");
      // About 60 MB of WAL in the other database, in one transaction (no running-xacts record inside).
      await cluster.sql(
        "INSERT INTO bulk SELECT g, repeat('x', 400) FROM generate_series(1, 120000) g",
        [],
        "copy",
      );
      expect((await drainSlot(client, "s_live", store, HISTORY)).added).toBe(100);
      const lagging = await walBehind(client, "s_live");
      // Writes that commit while the slot settles are captured by its drains (or the next one).
      await cluster.sql("UPDATE t SET v = 'b' WHERE id <= 10", [], "live");

      const r = await settleSlot(client, "s_live", store, HISTORY);
      console.log(
        `settle: ${(lagging / MB).toFixed(1)} MB behind after a plain drain; settle ${(r.beforeBytes / MB).toFixed(1)} → ${(r.afterBytes / MB).toFixed(1)} MB in ${r.drains} drains`,
      );
      expect(r.afterBytes).toBeLessThanOrEqual(SETTLED_BYTES);
      const last = await drainSlot(client, "s_live", store, HISTORY);
      expect(last.walBytes).toBeLessThanOrEqual(SETTLED_BYTES);
      expect(r.added + last.added).toBe(10);
      expect(store.count()).toBe(110);
      // No marker slot is left behind.
      const slots = await cluster.sql("SELECT slot_name FROM pg_replication_slots ORDER BY 1");
      expect(slots.map((s) => String(s.slot_name))).toEqual(["s_live"]);
    } finally {
      store.close();
      await client.end();
    }
  });
});
