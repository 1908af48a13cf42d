import fs from "node:fs";
import type { Holder, JournalEventData } from "../../src/core/journal-events.js";
import type { CheckpointRecord, Plan } from "../../src/core/model.js";
import { tempDir } from "../support/temp-dir.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import type { SqliteStore } from "../../src/store/sqlite/index.js";
import type { RollbackRecord } from "../../src/store/store.js";

export const ENV = "prod";
export const HEARTBEAT_MS = 10_000;
export const LEASE_MS = 30_000;

/** The one temporary-directory helper, removed when the test file ends. */
export const storeDir = (): string => tempDir("store");

/** A store in a fresh directory, closed and removed by the returned cleanup. */
export function freshStore(): { dir: string; store: SqliteStore; cleanup: () => Promise<void> } {
  const dir = storeDir();
  const store = openSqliteStore(dir);
  return {
    dir,
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function holder(token: string, pid = 1000): Holder {
  return { token, pid, host: "test-host" };
}

export function checkpoint(id: string, name: string, createdAt: number): CheckpointRecord {
  return {
    id,
    name,
    environment: ENV,
    createdAt,
    good: false,
    markedGoodAt: undefined,
    components: { api: { version: `release-${id}`, details: { dir: `/srv/api/${id}` } } },
  };
}

export function plan(checkpointId: string): Plan {
  return {
    formatVersion: 1,
    environment: ENV,
    checkpoint: { id: checkpointId, name: "before-v2", createdAt: 1 },
    scope: { only: [], except: [] },
    components: [],
    steps: [],
    concurrency: 1,
    dataLoss: false,
    estimateMs: 0,
    hash: `hash-${checkpointId}`,
  };
}

/** Creates rollback `id` (queued, first journal event, queue entry) at time `at`. */
export async function createRollback(
  store: SqliteStore,
  id: string,
  at: number,
  by: Holder = holder(`token-${id}`),
  environment = ENV,
): Promise<RollbackRecord> {
  const p = plan("cp1");
  const queued: JournalEventData & { type: "queued" } = { type: "queued", plan: p, requestedBy: "alice" };
  const record = { id, environment, checkpointId: "cp1", planHash: p.hash, plan: p, createdAt: at };
  return store.createRollback(record, queued, by, HEARTBEAT_MS);
}

export const alive = (): boolean => false;
