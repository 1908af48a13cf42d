/**
 * bench/postgres-capture-cost.ts — what change capture costs the write path: pgbench TPS
 * (TPC-B-like, -M prepared) on two clusters, one with wal_level=replica and one with
 * wal_level=logical, in five modes run in interleaved rounds (the order rotates each round,
 * so drift of a shared machine hits every mode alike):
 *   replica       wal_level=replica, no slot: no capture at all (the baseline)
 *   logical       wal_level=logical, no slot: the server setting restore-and-replay needs
 *   slot          logical + a wal2json slot nobody drains: the design's steady state (the slot
 *                 is drained at rollback time only; it retains WAL meanwhile)
 *   drained       logical + a slot drained into a capture store every `--drain-every` s, as a
 *                 user bounding WAL retention would
 *   trigger       replica + an AFTER row trigger on the four written tables copying each row
 *                 as JSON into a side table: trigger-based capture, the named alternative
 * Overheads are 1 − TPS(mode) / TPS(replica), from the per-round pairs (median and range),
 * and from the medians.
 *
 *   npx tsx bench/postgres-capture-cost.ts [--rounds 5] [--seconds 10] [--scale 10]
 *     [--clients 4] [--drain-every 5]
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runCommandOk } from "../src/process/run-command.js";
import { drainSlot, openCaptureStore } from "../src/providers/postgres/strategies/restore/snapshot/index.js";
import { PG_BIN, type PgCluster, startPostgres } from "../test/support/postgres.js";
import { heading, intOptions, machine, median, note, row, scratchDir } from "./lib.js";

export const MODES = ["replica", "logical", "slot", "drained", "trigger"] as const;
export type Mode = (typeof MODES)[number];

export interface CaptureCostOptions {
  rounds: number;
  seconds: number;
  scale: number;
  clients: number;
  /** Seconds between drains in the "drained" mode. */
  drainEvery: number;
}

export interface CaptureCost {
  tps: Record<Mode, number[]>;
  /** Changes the "drained" mode moved into its capture store while pgbench ran. */
  changesCaptured: number;
  drains: number;
  /**
   * Per "drained" round: the share of that run's changes drained while pgbench still ran (the
   * rest, written after the last drain, is drained after the run, outside its TPS).
   */
  coverage: number[];
}

const LOGICAL = { wal_level: "logical", max_replication_slots: "10", max_wal_senders: "10" };
const COMMON = { max_wal_size: "4GB" };

async function pgbench(pg: PgCluster, seconds: number, clients: number): Promise<number> {
  const r = await runCommandOk({
    argv: [
      join(PG_BIN, "pgbench"),
      ...["-h", pg.host, "-p", String(pg.port), "-U", "postgres", "-n", "-M", "prepared"],
      ...["-c", String(clients), "-j", String(Math.max(1, Math.floor(clients / 2)))],
      ...["-T", String(seconds), "pgbench"],
    ],
  });
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  if (!m) throw new Error(`no tps in pgbench output:\n${r.stdout}`);
  return Number(m[1]);
}

async function pgbenchInit(pg: PgCluster, scale: number): Promise<void> {
  await pg.createDatabase("pgbench");
  await runCommandOk({
    argv: [
      join(PG_BIN, "pgbench"),
      ...["-h", pg.host, "-p", String(pg.port), "-U", "postgres", "-i", "-q", "-s", String(scale)],
      "pgbench",
    ],
  });
  await pg.sql("VACUUM ANALYZE", [], "pgbench");
}

const TABLES = ["pgbench_accounts", "pgbench_tellers", "pgbench_branches", "pgbench_history"];

/** Trigger-based capture: every written row, as JSON, into a side table, in the writing transaction. */
async function addTriggers(pg: PgCluster): Promise<void> {
  await pg.sql(
    `CREATE TABLE IF NOT EXISTS capture_log (id bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL,
       row_data jsonb, at timestamptz NOT NULL DEFAULT now());
     CREATE OR REPLACE FUNCTION capture_row() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       INSERT INTO capture_log (tbl, op, row_data)
         VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END));
       RETURN NULL;
     END $$;
     ${TABLES.map((t) => `CREATE TRIGGER capture AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION capture_row();`).join("\n")}`,
    [],
    "pgbench",
  );
}

async function dropTriggers(pg: PgCluster): Promise<void> {
  await pg.sql(
    `${TABLES.map((t) => `DROP TRIGGER IF EXISTS capture ON ${t};`).join("\n")} TRUNCATE capture_log;`,
    [],
    "pgbench",
  );
}

export async function captureCost(dir: string, o: CaptureCostOptions): Promise<CaptureCost> {
  const replica = await startPostgres({ settings: { ...COMMON, wal_level: "replica" } });
  const logical = await startPostgres({ settings: { ...COMMON, ...LOGICAL } });
  const out: CaptureCost = {
    tps: { replica: [], logical: [], slot: [], drained: [], trigger: [] },
    changesCaptured: 0,
    drains: 0,
    coverage: [],
  };
  try {
    await pgbenchInit(replica, o.scale);
    await pgbenchInit(logical, o.scale);
    // A warm-up run on each, not counted: caches and the history table settle.
    await pgbench(replica, Math.min(5, o.seconds), o.clients);
    await pgbench(logical, Math.min(5, o.seconds), o.clients);
    for (let round = 0; round < o.rounds; round++) {
      // Rotate the order, so no mode always runs first (or right after the trigger's writes).
      const order = MODES.map((_, i) => MODES[(i + round) % MODES.length] as Mode);
      for (const mode of order) out.tps[mode].push(await runMode(mode, replica, logical, dir, round, o, out));
    }
  } finally {
    await replica.stop();
    await logical.stop();
  }
  return out;
}

async function runMode(
  mode: Mode,
  replica: PgCluster,
  logical: PgCluster,
  dir: string,
  round: number,
  o: CaptureCostOptions,
  out: CaptureCost,
): Promise<number> {
  // Each mode starts from a checkpoint, so none inherits another's dirty pages.
  const pg = mode === "replica" || mode === "trigger" ? replica : logical;
  await pg.sql("CHECKPOINT");
  if (mode === "replica" || mode === "logical") return pgbench(pg, o.seconds, o.clients);
  if (mode === "trigger") {
    await addTriggers(pg);
    try {
      return await pgbench(pg, o.seconds, o.clients);
    } finally {
      await dropTriggers(pg);
    }
  }
  const slot = `bench_${mode}_${round}`;
  const client = await pg.connect("pgbench");
  try {
    await client.query("SELECT pg_create_logical_replication_slot($1, 'wal2json')", [slot]);
    if (mode === "slot") return await pgbench(pg, o.seconds, o.clients);
    const store = openCaptureStore(join(dir, `capture-${round}.db`));
    const drain = async (): Promise<number> =>
      (await drainSlot(client, slot, store, { historyTables: ["schema_migrations"] })).added;
    let running = true;
    let during = 0;
    let late = 0;
    let wake: () => void = () => undefined;
    const drainer = (async () => {
      for (;;) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, o.drainEvery * 1000);
        });
        if (!running) return;
        const added = await drain();
        // Counted as "during" only when the drain finished before pgbench did.
        if (running) {
          during += added;
          out.drains += 1;
        } else {
          late += added;
          return;
        }
      }
    })();
    try {
      return await pgbench(pg, o.seconds, o.clients);
    } finally {
      running = false;
      wake();
      await drainer;
      const after = late + (await drain());
      out.changesCaptured += during;
      out.coverage.push(during / Math.max(1, during + after));
      store.close();
    }
  } finally {
    await client.query("SELECT pg_drop_replication_slot($1)", [slot]).catch(() => undefined);
    await client.end();
  }
}

/** Per-round overhead of `mode` against the replica baseline of the same round, in percent. */
export function pairedOverheads(cost: CaptureCost, mode: Mode): number[] {
  return cost.tps[mode].map((t, i) => (1 - t / (cost.tps.replica[i] ?? Number.NaN)) * 100);
}

const LABELS: Record<Mode, string> = {
  replica: "wal_level=replica, no slot (baseline)",
  logical: "wal_level=logical, no slot",
  slot: "logical + undrained slot (the design)",
  drained: "logical + slot drained periodically",
  trigger: "row trigger into a side table",
};

export function printCaptureCost(cost: CaptureCost, o: CaptureCostOptions): void {
  const base = median(cost.tps.replica);
  for (const mode of MODES) {
    const tps = cost.tps[mode];
    const label = mode === "drained" ? `logical + slot drained every ${o.drainEvery} s` : LABELS[mode];
    row(`TPS ${label}`, `${median(tps).toFixed(0)}  [${tps.map((x) => x.toFixed(0)).join(", ")}]`);
  }
  for (const mode of MODES.slice(1)) {
    const paired = pairedOverheads(cost, mode);
    const med = median(paired);
    const ofMedians = (1 - median(cost.tps[mode]) / base) * 100;
    row(
      `overhead: ${mode}`,
      `${med.toFixed(1)} % (per-round range ${Math.min(...paired).toFixed(1)} … ${Math.max(...paired).toFixed(1)}; of medians ${ofMedians.toFixed(1)} %)${mode === "trigger" ? "" : ` — goal ≤ 3 %: ${med <= 3 ? "met" : "NOT met"}`}`,
    );
  }
  note(
    `noise: the replica baseline's TPS varies by ${spreadPct(cost.tps.replica).toFixed(1)} % across rounds (max/min − 1); an overhead inside the per-round range of the others is not told apart from zero`,
  );
  const coverage = median(cost.coverage);
  const drained = median(pairedOverheads(cost, "drained"));
  note(
    `drained mode: ${cost.drains} drains finished while pgbench ran, moving ${cost.changesCaptured.toLocaleString()} changes; they covered ${(coverage * 100).toFixed(0)} % of the writes (median), the rest was drained after the run`,
  );
  row(
    "overhead: drained, all writes drained (estimate)",
    `${(drained / Math.max(coverage, 0.01)).toFixed(1)} % (the measured ${drained.toFixed(1)} % / coverage ${(coverage * 100).toFixed(0)} %)`,
  );
}

function spreadPct(values: number[]): number {
  return (Math.max(...values) / Math.min(...values) - 1) * 100;
}

async function main(): Promise<void> {
  const o = intOptions({ rounds: 5, seconds: 10, scale: 10, clients: 4, "drain-every": 5 });
  const opts: CaptureCostOptions = { ...o, drainEvery: o["drain-every"] };
  const { dir, remove } = scratchDir("pg-capture-cost");
  try {
    heading(
      `capture cost: pgbench -c ${o.clients} -T ${o.seconds}, scale ${o.scale}, ${o.rounds} interleaved rounds of ${MODES.length} modes`,
    );
    row("machine", machine());
    printCaptureCost(await captureCost(dir, opts), opts);
  } finally {
    remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
