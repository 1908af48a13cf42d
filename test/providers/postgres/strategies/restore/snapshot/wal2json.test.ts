import { describe, expect, it } from "vitest";
import {
  parseJsonExact,
  parseLosslessJson,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/lossless-json.js";
import {
  compareLsn,
  lsnSortKey,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/lsn.js";
import {
  decodeRows,
  isoTime,
} from "../../../../../../src/providers/postgres/strategies/restore/snapshot/wal2json.js";

const B = (xid: number) => JSON.stringify({ action: "B", xid, timestamp: "2026-11-27 02:33:48.178382+00" });
const C = (xid: number) => JSON.stringify({ action: "C", xid, timestamp: "2026-11-27 02:33:48.178382+02" });

describe("wal2json v2 decoding", () => {
  it("keeps numbers a double cannot hold as exact strings", () => {
    const v = parseLosslessJson(
      '{"a":9007199254740993,"b":1.5,"c":[1,"x\\"y",null,true],"d":0.10000000000000000001}',
    );
    expect(v).toEqual({
      a: "9007199254740993",
      b: 1.5,
      c: [1, 'x"y', null, true],
      d: "0.10000000000000000001",
    });
    expect(() => parseLosslessJson('{"a":1')).toThrow(/invalid JSON/);
  });

  it("takes the fast path only when no number can lose digits", () => {
    for (const text of [
      '{"a":12345678901234567}',
      '{"a":[1.0000000000000001]}',
      '{"a":"t:1234567890123456789","b":2}',
    ]) {
      expect(parseJsonExact(text)).toEqual(parseLosslessJson(text));
    }
    expect(parseJsonExact('{"a":12345678901234567}')).toEqual({ a: "12345678901234567" });
    expect(parseJsonExact('{"a":123456789012345,"b":"2026-01-01 00:00:00.123456+00"}')).toEqual({
      a: 123456789012345,
      b: "2026-01-01 00:00:00.123456+00",
    });
  });

  it("keeps a column named __proto__ as data", () => {
    const v = parseLosslessJson('{"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("groups rows into whole transactions with keys, values and types", () => {
    const ins = JSON.stringify({
      action: "I",
      xid: 7,
      lsn: "0/10",
      schema: "public",
      table: "t",
      columns: [
        { name: "id", type: "bigint", value: 1 },
        { name: "name", type: "text", value: "a" },
      ],
      pk: [{ name: "id", type: "bigint" }],
    });
    const del = JSON.stringify({
      action: "D",
      xid: 7,
      lsn: "0/20",
      schema: "public",
      table: "t",
      identity: [{ name: "id", type: "bigint", value: 1 }],
    });
    const { transactions, complete } = decodeRows([
      { lsn: "0/8", data: B(7) },
      { lsn: "0/10", data: ins },
      { lsn: "0/20", data: del },
      { lsn: "0/30", data: C(7) },
      { lsn: "0/40", data: B(8) },
    ]);
    expect(complete).toBe(false);
    expect(transactions).toHaveLength(1);
    const [i, d] = transactions[0]?.changes ?? [];
    expect(i).toMatchObject({
      op: "insert",
      keys: { id: 1 },
      values: { id: 1, name: "a" },
      commitLsn: "0/30",
    });
    expect(i?.types).toEqual({ id: "bigint", name: "text" });
    expect(d).toMatchObject({ op: "delete", keys: { id: 1 }, values: {}, lsn: "0/20", xid: 7 });
    expect(d?.commitTime).toBe("2026-11-27T00:33:48.178Z");
  });

  it("orders LSNs numerically, not as text", () => {
    expect(compareLsn("0/A", "0/10")).toBeLessThan(0);
    expect(compareLsn("1/0", "0/FFFFFFFF")).toBeGreaterThan(0);
    expect(lsnSortKey("0/A") < lsnSortKey("0/10")).toBe(true);
    expect(isoTime("2026-01-02 03:04:05+05:30")).toBe("2026-01-01T21:34:05.000Z");
  });
});
