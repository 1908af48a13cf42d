/**
 * Small helpers shared by the benchmarks: options, a seeded PRNG, statistics and printing.
 * Benchmarks print figures and ratios against a named baseline; they never fail because a
 * machine is slow (a missed goal is reported, not thrown).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

/** Integer options given as `--name value`; unknown options are an error so typos are seen. */
export function intOptions<K extends string>(
  defaults: Record<K, number>,
  argv: string[] = process.argv.slice(2),
): Record<K, number> {
  const options: Record<string, { type: "string" }> = {};
  for (const k of Object.keys(defaults)) options[k] = { type: "string" };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as K[]) {
    const raw = (values as Record<string, string | undefined>)[k];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} expects a non-negative number, got "${raw}"`);
    out[k] = n;
  }
  return out;
}

/** mulberry32: tiny, fast and reproducible for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi], both included. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: p90 of 20 samples is the 18th smallest.
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`;
}

export function fmtRatio(r: number): string {
  return `${r.toFixed(3)}×`;
}

/** "goal ≤ 1.05: met" / "not met" — informative only. */
export function goal(value: number, limit: number, label = "goal"): string {
  return `${label} ≤ ${limit}: ${value <= limit ? "met" : "NOT met"}`;
}

export function heading(title: string): void {
  console.log(`\n=== ${title} ===`);
}

/** Prints "  label ......... value" lines aligned. */
export function row(label: string, value: string): void {
  console.log(`  ${label.padEnd(48, " ")} ${value}`);
}

export function note(text: string): void {
  console.log(`  note: ${text}`);
}

/** A fresh directory under the OS temp dir (or `base`), removed by the returned function. */
export function scratchDir(prefix: string, base: string = tmpdir()): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(base, `backout-bench-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * CPU time (user + system, ms, 10 ms resolution) from Linux's /proc: of process `pid` and the
 * children it has waited for, or ("children") of this process's waited-for children. On a
 * loaded machine it says what a process did, where its wall time mostly says what it waited for.
 */
export function cpuTimeMs(who: number | "children"): number {
  const stat = readFileSync(`/proc/${who === "children" ? "self" : who}/stat`, "utf8");
  // Fields after "(comm)": state is [0]; utime, stime, cutime, cstime are [11]..[14], in ticks.
  const f = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  const ticks = who === "children" ? [13, 14] : [11, 12, 13, 14];
  return ticks.reduce((sum, i) => sum + (f[i] ?? 0), 0) * 10;
}

export function machine(): string {
  return `node ${process.version}, ${process.platform}/${process.arch}`;
}

export interface CallStats {
  calls: number;
  /** Time spent inside the call before it returned its promise (for SQLite: all of the work). */
  syncMs: number;
}

/**
 * Wraps any object so the synchronous part of each method call is timed. The SQLite store does
 * all of its work (including fsync) before it returns a promise, so for it this is the time the
 * event loop was blocked by the store.
 */
export function timeCalls<T extends object>(target: T): { proxy: T; stats: Map<string, CallStats> } {
  const stats = new Map<string, CallStats>();
  const proxy = new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]): unknown => {
        const t0 = performance.now();
        try {
          return fn.apply(obj, args);
        } finally {
          const s = stats.get(prop) ?? { calls: 0, syncMs: 0 };
          s.calls += 1;
          s.syncMs += performance.now() - t0;
          stats.set(prop, s);
        }
      };
    },
  });
  return { proxy, stats };
}

/**
 * The baseline for durable writes: one better-sqlite3 INSERT per transaction (autocommit) into a
 * journal-shaped table, WAL with synchronous=FULL, in `dir`. Returns µs per insert.
 */
export async function rawInsertMicros(dir: string, count: number, payloadBytes = 200): Promise<number> {
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(join(dir, "raw-baseline.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(
      "CREATE TABLE IF NOT EXISTS journal (rollback_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (rollback_id, seq)) WITHOUT ROWID",
    );
    const insert = db.prepare<[string, number, number, string]>(
      "INSERT INTO journal (rollback_id, seq, at, data) VALUES (?, ?, ?, ?)",
    );
    const data = "x".repeat(payloadBytes);
    // Warm up the statement and the file.
    for (let i = 0; i < 20; i++) insert.run("warm", i, Date.now(), data);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) insert.run("r", i, Date.now(), data);
    return ((performance.now() - t0) / count) * 1000;
  } finally {
    db.close();
  }
}
