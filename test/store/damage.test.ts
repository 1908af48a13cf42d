/**
 * A store file that exists but is not what backout wrote is refused with STORE_DAMAGED and
 * left as it is: never taken for a new, empty store (history gone), never INTERNAL.
 */
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { checkpoint, createRollback, storeDir as freshDir } from "./helpers.js";

function storeDir(): { dir: string; file: string } {
  const dir = freshDir();
  return { dir, file: path.join(dir, "backout.db") };
}

function openError(dir: string): BackoutError {
  try {
    openSqliteStore(dir);
  } catch (e) {
    if (e instanceof BackoutError) return e;
    throw e;
  }
  throw new Error("expected the store to be refused");
}

/** A store with some history, closed and checkpointed into the main file. */
async function storeWithHistory(dir: string): Promise<void> {
  const store = openSqliteStore(dir);
  for (let i = 0; i < 200; i++) await store.saveCheckpoint(checkpoint(`cp${i}`, `name-${i}`, 1000 + i));
  await store.close();
}

describe("a damaged store is refused, not replaced", () => {
  it("a 0-byte file is STORE_DAMAGED and stays 0 bytes", () => {
    const { dir, file } = storeDir();
    fs.writeFileSync(file, "");
    const error = openError(dir);
    expect(error.code).toBe("STORE_DAMAGED");
    expect(error.message).toContain(file);
    expect(error.hint).toBeTruthy();
    expect(fs.statSync(file).size).toBe(0);
  });

  it("a file that is not SQLite at all is STORE_DAMAGED and left as it was", () => {
    const { dir, file } = storeDir();
    const garbage = Buffer.alloc(64 * 1024, 0x5a);
    fs.writeFileSync(file, garbage);
    expect(openError(dir).code).toBe("STORE_DAMAGED");
    expect(fs.readFileSync(file).equals(garbage)).toBe(true);
  });

  it("a store whose pages after the first were overwritten is STORE_DAMAGED on open", async () => {
    const { dir, file } = storeDir();
    await storeWithHistory(dir);
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
    expect(bytes.length).toBeGreaterThan(pageSize * 3);
    bytes.fill(0xa5, pageSize);
    fs.writeFileSync(file, bytes);
    expect(openError(dir).code).toBe("STORE_DAMAGED");
  });

  it("a sound store passes checkIntegrity", async () => {
    const { dir } = storeDir();
    await storeWithHistory(dir);
    const store = openSqliteStore(dir);
    try {
      expect(await store.checkIntegrity()).toEqual({ ok: true, problems: [] });
      expect(await store.listCheckpoints(1)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  // The history is not checked page by page at open (it grows with every rollback): a damaged
  // page of it must still be refused when it is read, never read as an empty history.
  it("a store whose journal pages were overwritten opens, and reading the journal is STORE_DAMAGED", async () => {
    const { dir, file } = storeDir();
    const store = openSqliteStore(dir);
    await createRollback(store, "r1", 1000);
    for (let i = 0; i < 300; i++) {
      await store.appendEvent("r1", 1001 + i, { type: "step-started", stepId: `s${i}#1:x`, attempt: 1 });
    }
    await store.close();
    const probe = new Database(file, { readonly: true });
    const pages = probe
      .prepare<[], { pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'journal'")
      .all()
      .map((r) => r.pageno);
    const pageSize = Number(probe.pragma("page_size", { simple: true }));
    probe.close();
    expect(pages.length).toBeGreaterThan(2);
    const bytes = fs.readFileSync(file);
    for (const page of pages) bytes.fill(0xa5, (page - 1) * pageSize, page * pageSize);
    fs.writeFileSync(file, bytes);

    const reopened = openSqliteStore(dir);
    try {
      expect(await reopened.listCheckpoints()).toEqual([]);
      const error = await reopened.readJournal("r1").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BackoutError);
      expect((error as BackoutError).code).toBe("STORE_DAMAGED");
      expect((await reopened.checkIntegrity()).ok).toBe(false);
    } finally {
      await reopened.close();
    }
  });
});
