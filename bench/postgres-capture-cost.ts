/**
 * The cost of change capture on the write path: pgbench TPS without and with a logical slot
 * (wal2json) being drained into a capture store while pgbench runs, in interleaved rounds (so
 * drift of the machine hits both alike). Capture comes from logical decoding: no trigger runs
 * in the writing transactions; the cost is WAL decoding in another process plus the drain.
 */
import { join } from "node:path";
import { runCommandOk } from "../src/process/run-command.js";
import { drainSlot, openCaptureStore } from "../src/providers/postgres/snapshot/index.js";
import { PG_BIN, type PgCluster } from "../test/support/postgres.js";
import { median } from "./lib.js";

export interface CaptureCost {
  without: number[];
  with: number[];
  /** 1 − median(with) / median(without), in percent. */
  overheadPct: number;
  changesCaptured: number;
}

async function pgbench(pg: PgCluster, db: string, seconds: number, clients: number): Promise<number> {
  const r = await runCommandOk({
    argv: [
      join(PG_BIN, "pgbench"),
      "-h",
      pg.host,
      "-p",
      String(pg.port),
      "-U",
      "postgres",
      "-n",
      "-M",
      "prepared",
      "-c",
      String(clients),
      "-j",
      String(Math.max(1, Math.floor(clients / 2))),
      "-T",
      String(seconds),
      db,
    ],
  });
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  if (!m) throw new Error(`no tps in pgbench output:\n${r.stdout}`);
  return Number(m[1]);
}

export async function captureCost(
  pg: PgCluster,
  dir: string,
  opts: { rounds: number; seconds: number; scale: number; clients: number },
): Promise<CaptureCost> {
  await pg.createDatabase("pgbench");
  await runCommandOk({
    argv: [
      join(PG_BIN, "pgbench"),
      "-h",
      pg.host,
      "-p",
      String(pg.port),
      "-U",
      "postgres",
      "-i",
      "-q",
      "-s",
      String(opts.scale),
      "pgbench",
    ],
  });
  const out: CaptureCost = { without: [], with: [], overheadPct: 0, changesCaptured: 0 };
  for (let round = 0; round < opts.rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const capture of order) {
      if (!capture) {
        out.without.push(await pgbench(pg, "pgbench", opts.seconds, opts.clients));
        continue;
      }
      const { tps, captured } = await withCapture(pg, dir, round, () =>
        pgbench(pg, "pgbench", opts.seconds, opts.clients),
      );
      out.with.push(tps);
      out.changesCaptured += captured;
    }
  }
  out.overheadPct = (1 - median(out.with) / median(out.without)) * 100;
  return out;
}

/** Runs `work` while a slot is drained every 200 ms (as `capture-changes` would), then drops it. */
async function withCapture(
  pg: PgCluster,
  dir: string,
  round: number,
  work: () => Promise<number>,
): Promise<{ tps: number; captured: number }> {
  const slot = `bench_capture_${round}`;
  const client = await pg.connect("pgbench");
  const store = openCaptureStore(join(dir, `capture-${round}.db`));
  let captured = 0;
  try {
    await client.query("SELECT pg_create_logical_replication_slot($1, 'wal2json')", [slot]);
    let running = true;
    const drainer = (async () => {
      while (running) {
        captured += (await drainSlot(client, slot, store, { historyTables: ["schema_migrations"] })).added;
        await new Promise((r) => setTimeout(r, 200));
      }
      captured += (await drainSlot(client, slot, store, { historyTables: ["schema_migrations"] })).added;
    })();
    let tps: number;
    try {
      tps = await work();
    } finally {
      running = false;
      await drainer;
    }
    return { tps, captured };
  } finally {
    await client.query("SELECT pg_drop_replication_slot($1)", [slot]).catch(() => undefined);
    await client.end();
    store.close();
  }
}
