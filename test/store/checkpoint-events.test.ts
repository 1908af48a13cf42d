/**
 * The checkpoint audit (migration 5): each checkpoint change writes its event in the same
 * transaction; a file from before the audit (schema 4) is brought up to it, its checkpoints with
 * no events.
 */
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  MIGRATIONS,
  openSqliteStore,
  SCHEMA_VERSION,
  type SqliteStore,
} from "../../src/store/sqlite/index.js";
import { checkpoint, ENV, freshStore, storeDir } from "./helpers.js";

describe("sqlite store: checkpoint events", () => {
  let store: SqliteStore;
  let cleanup: () => Promise<void>;
  beforeEach(() => ({ store, cleanup } = freshStore()));
  afterEach(() => cleanup());

  it("take, mark good and unmark each write their event with who and through what, oldest first", async () => {
    await store.saveCheckpoint(checkpoint("cp1", "v1", 1000), {
      at: 1000,
      by: "otto",
      via: "serve",
      details: { name: "v1", good: false },
    });
    await store.markGood("v1", 2000, { at: 2000, by: "root", via: "cli" });
    await store.unmarkGood("cp1", { at: 3000, by: "app", via: "library" });
    await store.saveCheckpoint(checkpoint("cp2", "v2", 4000), { at: 4000, by: "otto", via: "cli" });
    expect(await store.checkpointEvents("cp1")).toEqual([
      expect.objectContaining({
        at: 1000,
        action: "taken",
        by: "otto",
        via: "serve",
        details: { name: "v1", good: false },
      }),
      expect.objectContaining({
        at: 2000,
        action: "marked-good",
        by: "root",
        via: "cli",
        details: { wasGood: false },
      }),
      expect.objectContaining({
        at: 3000,
        action: "unmarked-good",
        by: "app",
        via: "library",
        details: { wasGood: true },
      }),
    ]);
    expect((await store.checkpointEvents("cp1"))[0]).toMatchObject({ environment: ENV, checkpointId: "cp1" });
    expect((await store.checkpointEvents("cp2")).map((e) => e.action)).toEqual(["taken"]);
  });

  it("a change to a checkpoint that does not exist records nothing", async () => {
    expect(await store.markGood("nope", 1, { at: 1, by: "x", via: "cli" })).toBeUndefined();
    expect(await store.unmarkGood("nope", { at: 1, by: "x", via: "cli" })).toBeUndefined();
    expect(await store.checkpointEvents("nope")).toEqual([]);
  });

  it("a failed change leaves no event: the checkpoint and its event are one transaction", async () => {
    // NOT NULL on `by`, forced through: the checkpoint row must not stay without its event.
    const bad = { at: 1, by: null as unknown as string, via: "cli" as const };
    await expect(store.saveCheckpoint(checkpoint("cp1", "v1", 1000), bad)).rejects.toMatchObject({
      code: "STORE_FAILED",
    });
    expect(await store.getCheckpoint("cp1")).toBeUndefined();
    await store.saveCheckpoint(checkpoint("cp1", "v1", 1000));
    await expect(store.markGood("cp1", 2, bad)).rejects.toMatchObject({ code: "STORE_FAILED" });
    expect((await store.getCheckpoint("cp1"))?.good).toBe(false);
  });
});

it("a schema 4 file gains the audit table; its checkpoints keep working, with no events", async () => {
  const dir = storeDir();
  const db = new Database(path.join(dir, "backout.db"));
  for (const m of MIGRATIONS.filter((x) => x.version <= 4)) db.exec(m.sql);
  db.pragma("user_version = 4");
  db.prepare(
    "INSERT INTO checkpoints (id, name, environment, created_at, good, components) VALUES ('old', 'v0', ?, 1, 1, '{}')",
  ).run(ENV);
  db.close();
  const store = openSqliteStore(dir);
  try {
    expect(store.pragmas().userVersion).toBe(SCHEMA_VERSION);
    expect((await store.getCheckpoint("old"))?.good).toBe(true);
    expect(await store.checkpointEvents("old")).toEqual([]);
    await store.unmarkGood("old", { at: 5, by: "root", via: "cli" });
    expect(await store.checkpointEvents("old")).toMatchObject([
      { action: "unmarked-good", details: { wasGood: true } },
    ]);
  } finally {
    await store.close();
  }
});
