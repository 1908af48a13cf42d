import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  pruneKept,
  restoreDump,
  restoreNames,
} from "../../../../../src/providers/postgres/strategies/restore/copy/index.js";
import { PG_BIN, useCluster } from "../../../../support/postgres.js";
import { appWithDump, dbNames, redact } from "./dump-fixture.js";

const FIRST = restoreNames("pr", "first-1").before;
const SECOND = restoreNames("pr", "second-2").before;

const cluster = useCluster({
  settings: { wal_level: "logical", max_replication_slots: "10", max_wal_senders: "10" },
});

describe("pruneKept", () => {
  it("drops the kept databases (and their slot) by rollback and age, never a database without backout's mark", async () => {
    const dump = await appWithDump(cluster, "pr", 10);
    // The checkpoint's slot lives in the database that becomes the kept copy.
    await cluster.sql("SELECT pg_create_logical_replication_slot('backout_pr', 'test_decoding')", [], "pr");
    await restoreDump({
      url: cluster.url("pr"),
      dumpFile: dump,
      rollbackId: "first-1",
      pgBin: PG_BIN,
      redact,
    });
    await restoreDump({
      url: cluster.url("pr"),
      dumpFile: dump,
      rollbackId: "second-2",
      pgBin: PG_BIN,
      redact,
    });
    await cluster.sql("CREATE DATABASE pr__before_byhand");
    expect(await dbNames(cluster, "pr")).toEqual(["pr", "pr__before_byhand", FIRST, SECOND]);

    const url = cluster.url("pr");
    expect(await pruneKept(url, { redact, dryRun: true })).toEqual([FIRST, SECOND]);
    expect(await pruneKept(url, { redact, olderThanMs: 3_600_000 })).toEqual([]);
    expect(await pruneKept(url, { redact, rollbackId: "first" })).toEqual([FIRST]);
    expect(await dbNames(cluster, "pr")).toEqual(["pr", "pr__before_byhand", SECOND]);
    const slots = await cluster.sql("SELECT slot_name FROM pg_replication_slots");
    expect(slots).toEqual([]);
    const later = new Date(Date.now() + 7_200_000);
    expect(await pruneKept(url, { redact, olderThanMs: 3_600_000, now: later })).toEqual([SECOND]);
    expect(await dbNames(cluster, "pr")).toEqual(["pr", "pr__before_byhand"]);
  });

  it("removes kept data directories that carry the marker", async () => {
    const parent = mkdtempSync(join(tmpdir(), "backout-prune-"));
    try {
      const dataDir = join(parent, "data");
      mkdirSync(dataDir);
      const ours = join(parent, "data__before_abc123");
      const foreign = join(parent, "data__before_other");
      mkdirSync(ours);
      mkdirSync(foreign);
      writeFileSync(
        join(ours, "backout-kept.json"),
        JSON.stringify({ rollbackId: "abc123", at: new Date().toISOString() }),
      );
      const removed = await pruneKept(cluster.url("postgres"), { redact, dataDir });
      expect(removed).toEqual([ours]);
      expect(existsSync(ours)).toBe(false);
      expect(existsSync(foreign)).toBe(true);
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
