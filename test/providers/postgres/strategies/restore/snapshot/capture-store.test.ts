import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { openCaptureStore } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/capture-store.js";
import type { CapturedChange } from "../../../../../../src/providers/postgres/strategies/restore/snapshot/types.js";
import { tempDir } from "./fixture.js";

function change(
  commitLsn: string,
  id: number,
  op: CapturedChange["op"] = "insert",
): Omit<CapturedChange, "seq"> {
  return {
    xid: 1,
    lsn: commitLsn,
    commitLsn,
    commitTime: "2026-01-01T00:00:00.000Z",
    schema: "public",
    table: "t",
    op,
    keys: { id },
    values: op === "insert" ? { id, big: "9007199254740993" } : {},
    types: { id: "bigint", big: "bigint" },
    migration: false,
  };
}

describe("capture store", () => {
  it("appends whole transactions once, keeps them in order, and survives reopening", () => {
    const file = join(tempDir("store"), "sub", "db-c1.db");
    const store = openCaptureStore(file);
    // Two changes of one TRUNCATE share an LSN: position, not LSN, tells them apart.
    expect(store.append([change("0/A", 1), change("0/A", 2), change("0/10", 3, "truncate")])).toBe(3);
    expect(store.append([change("0/A", 1), change("0/A", 2), change("0/10", 3, "truncate")])).toBe(0);
    expect(store.append([change("0/10", 3, "truncate"), change("0/20", 4)])).toBe(1);
    expect(store.lastCommitLsn()).toBe("0/20");
    store.close();

    const again = openCaptureStore(file);
    expect(again.count()).toBe(4);
    const all = again.read(0, 10);
    expect(all.map((c) => [c.seq, c.keys.id])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    expect(all[0]?.values).toEqual({ id: 1, big: "9007199254740993" });
    expect(again.read(2, 1).map((c) => c.seq)).toEqual([3]);
    again.close();
  });

  it("keeps its count with the appends (collapsed rows counted by their n), also for a store made before the count was kept", () => {
    const file = join(tempDir("store"), "old.db");
    const store = openCaptureStore(file);
    store.append([change("0/A", 1), { ...change("0/A", 2), count: 5 }]);
    store.close();
    // A store written by a version without the kept count: the count is taken once, on open.
    const raw = new Database(file);
    raw.exec("DROP TABLE totals");
    raw.close();
    const again = openCaptureStore(file);
    expect(again.count()).toBe(6);
    expect(again.append([change("0/B", 3), change("0/A", 1)])).toBe(1);
    expect(again.count()).toBe(7);
    // The kept count is the rows' own sum.
    again.close();
    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT sum(n) AS n FROM changes").get()).toEqual({ n: 7 });
    check.close();
  });

  it("orders the newest commit by LSN value, not by text", () => {
    const store = openCaptureStore(join(tempDir("store"), "x.db"));
    store.append([change("0/9", 1)]);
    store.append([change("0/10", 2)]);
    expect(store.lastCommitLsn()).toBe("0/10");
    store.close();
  });

  it("says where it could not be created", () => {
    // A regular file where the directory should be.
    const parent = join(tempDir("store"), "file");
    writeFileSync(parent, "");
    expect(() => openCaptureStore(join(parent, "x.db"))).toThrow(
      /cannot open the capture store .*file\/x\.db/,
    );
  });
});
