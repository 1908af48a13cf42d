import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import { openSqliteStore, SCHEMA_VERSION } from "../../src/store/sqlite/index.js";
import { checkpoint, createRollback, ENV, holder, LEASE_MS, alive, storeDir } from "./helpers.js";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");

describe("sqlite store: durability and sharing", () => {
  const dir = storeDir;

  it("creates the directory and the file with WAL, synchronous FULL, busy timeout and foreign keys", async () => {
    const d = path.join(dir(), "nested", ".backout");
    const store = openSqliteStore(d);
    expect(fs.existsSync(path.join(d, "backout.db"))).toBe(true);
    expect(store.file).toBe(path.join(d, "backout.db"));
    expect(store.pragmas()).toEqual({
      journalMode: "wal",
      synchronous: 2,
      busyTimeout: 5000,
      foreignKeys: true,
      userVersion: SCHEMA_VERSION,
    });
    await store.close();
    const other = openSqliteStore(d, { fileName: "other.db" });
    expect(other.file).toBe(path.join(d, "other.db"));
    await other.close();
  });

  it("keeps everything across close and reopen", async () => {
    const d = dir();
    const first = openSqliteStore(d);
    await first.saveCheckpoint(checkpoint("cp1", "before-v2", 1000));
    await first.markGood("cp1", 1500);
    await createRollback(first, "r1", 2000, holder("t1"));
    await first.acquireLock({
      environment: ENV,
      rollbackId: "r1",
      holder: holder("t1"),
      now: 2100,
      leaseMs: LEASE_MS,
      isHolderGone: alive,
    });
    await first.appendEvent("r1", 2200, { type: "started", holder: holder("t1"), epoch: 1, deadlineAt: 9e9 });
    await createRollback(first, "r2", 2300, holder("t2"));
    await first.close();

    const second = openSqliteStore(d);
    expect(await second.lastGoodCheckpoint()).toMatchObject({ id: "cp1", markedGoodAt: 1500 });
    expect(await second.getRollback("r1")).toMatchObject({ state: "running", updatedAt: 2200 });
    expect((await second.readJournal("r1")).map((e) => e.seq)).toEqual([1, 2]);
    expect(await second.getLock(ENV)).toMatchObject({ rollbackId: "r1", epoch: 1, holder: holder("t1") });
    expect((await second.listQueue(ENV)).map((e) => e.rollbackId)).toEqual(["r2"]);
    expect(second.pragmas().userVersion).toBe(SCHEMA_VERSION);
    await second.close();
  });

  it("refuses a file written by a newer schema", () => {
    const d = dir();
    const db = new Database(path.join(d, "backout.db"));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    let err: unknown;
    try {
      openSqliteStore(d);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BackoutError);
    expect(err).toMatchObject({ code: "STORE_FAILED" });
    expect((err as BackoutError).hint).toContain("upgrade backout");
  });

  it("refuses a file that is not a database, naming it", () => {
    const d = dir();
    fs.writeFileSync(path.join(d, "backout.db"), "this is not sqlite ".repeat(100));
    expect(() => openSqliteStore(d)).toThrow(/backout\.db/);
  });

  it("two stores on one file see each other's appends: seqs stay distinct and gap-free", async () => {
    const d = dir();
    const a = openSqliteStore(d);
    const b = openSqliteStore(d);
    await createRollback(a, "r1", 1000);
    const appends = [];
    for (let i = 0; i < 50; i++) {
      const s = i % 2 === 0 ? a : b;
      appends.push(s.appendEvent("r1", 1000 + i, { type: "step-started", stepId: `s${i}`, attempt: 1 }));
    }
    const seqs = (await Promise.all(appends)).map((e) => e.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect((await b.readJournal("r1")).map((e) => e.seq)).toEqual(
      Array.from({ length: 51 }, (_, i) => i + 1),
    );
    await a.close();
    await b.close();
  });

  it("concurrent appends from three processes get distinct, gap-free seqs", async () => {
    const d = dir();
    const store = openSqliteStore(d);
    await createRollback(store, "r1", 1000);
    const worker = path.join(here, "fixtures", "append-worker.ts");
    const perProcess = 150;
    await Promise.all(
      ["p1", "p2", "p3"].map((label) =>
        run(process.execPath, ["--import", "tsx", worker, d, "r1", String(perProcess), label], {
          cwd: repoRoot,
        }),
      ),
    );
    const journal = await store.readJournal("r1");
    const total = 1 + 3 * perProcess;
    expect(journal.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    for (const label of ["p1", "p2", "p3"]) {
      const mine = journal.flatMap((e) => (e.event.type === "step-started" ? [e.event.stepId] : []));
      // Each process's own events keep their order.
      const order = mine.filter((id) => id.startsWith(`${label}-`)).map((id) => Number(id.split("-")[1]));
      expect(order).toEqual(Array.from({ length: perProcess }, (_, i) => i));
    }
    await store.close();
  });
});
