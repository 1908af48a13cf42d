/**
 * bench/postgres-replay.ts — rolling back a bad deploy on a 1,000,000-row table with 50,000
 * user writes since the checkpoint, side by side, with the committed writes each loses:
 *
 * PITR (a pg_ctl cluster with archive_mode=on, snapshot: pitr):
 *   restore+replay  the postgres provider, strategy restore: plan, capture-changes (drain the
 *                   slot), restore-snapshot (recover the base backup to the restore point, replay
 *                   the captured writes into the recovered copy, block, last drain and replay,
 *                   swap), replay-changes, verify.
 *   plain PITR      restorePitr alone on a copy of the same cluster (recovery to the same restore
 *                   point + swap; no capture, no replay): loses every write since the checkpoint.
 * Dump (snapshot: dump):
 *   restore+replay  the same steps with pg_restore of the checkpoint's dump and a database swap.
 *   pg_restore      pg_restore of the pre-deploy dump into a fresh database (what a person types).
 *   dump only       the provider's restore alone (pg_restore + swap, no replay) on a copy.
 * Lost writes are counted row by row (id, name, qty) against the rows the database held right
 * after the writes (every committed write). Then the cost of capture on pgbench
 * (bench/postgres-capture-cost.ts), unless --rounds 0.
 *
 *   npx tsx bench/postgres-replay.ts [--rows 1000000] [--writes 50000] [--backfill 0]
 *     [--pitr 1] [--dump 1] [--rounds 5] [--seconds 10] [--scale 10] [--clients 4] [--drain-every 5]
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import type { ComponentState } from "../src/core/model.js";
import type { ProviderContext } from "../src/core/provider.js";
import { runCommandOk } from "../src/process/run-command.js";
import { postgresProvider, type PostgresSettings } from "../src/providers/postgres/index.js";
import { restoreDump, restorePitr } from "../src/providers/postgres/strategies/restore/copy/index.js";
import type { SnapshotRecord } from "../src/providers/postgres/strategies/restore/snapshot/types.js";
import { contextFor, planned } from "../test/providers/context.js";
import {
  startCtlCluster,
  type CtlCluster,
} from "../test/providers/postgres/strategies/restore/pg-ctl-cluster.js";
import { freePort } from "../test/support/free-port.js";
import { PG_BIN, startPostgres } from "../test/support/postgres.js";
import { captureCost, printCaptureCost } from "./postgres-capture-cost.js";
import { fmtMs, fmtRatio, goal, heading, intOptions, machine, note, row, scratchDir } from "./lib.js";

const V_BASE = "20240101000000";
const V_DEPLOY = "20240201000000";
const SERVER = {
  wal_level: "logical",
  max_replication_slots: "10",
  max_wal_senders: "10",
  max_wal_size: "4GB",
};

/** What the bench needs of a cluster: SQL on a database, and its URL. */
interface Target {
  sql(text: string, values?: unknown[], db?: string): Promise<pg.QueryResultRow[]>;
  url(db?: string): string;
}

type Options = Record<
  | "rows"
  | "writes"
  | "backfill"
  | "pitr"
  | "dump"
  | "rounds"
  | "seconds"
  | "scale"
  | "clients"
  | "drain-every",
  number
>;

async function seed(t: Target, rows: number, migrations: string): Promise<void> {
  await t.sql("CREATE DATABASE app");
  await t.sql(
    `CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
     INSERT INTO items (name, qty) SELECT 'item-' || g, g % 1000 FROM generate_series(1, ${rows}) g;
     CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
     INSERT INTO schema_migrations VALUES ('${V_BASE}');`,
    undefined,
    "app",
  );
  await t.sql("VACUUM ANALYZE items", undefined, "app");
  mkdirSync(migrations, { recursive: true });
  writeFileSync(
    join(migrations, `${V_BASE}_items.sql`),
    "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
  );
}

/** The deploy (a column, optionally backfilled), then `writes` row writes in transactions of 100. */
async function deployAndWrite(
  t: Target,
  migrations: string,
  writes: number,
  backfill: boolean,
): Promise<void> {
  const up = `ALTER TABLE items ADD COLUMN score int;${backfill ? " UPDATE items SET score = qty * 2;" : ""}`;
  writeFileSync(join(migrations, `${V_DEPLOY}_score.sql`), `-- migrate:up\n${up}\n-- migrate:down\n`);
  await t.sql(`BEGIN; ${up} INSERT INTO schema_migrations VALUES ('${V_DEPLOY}'); COMMIT;`, undefined, "app");
  const client = new pg.Client({ connectionString: t.url("app") });
  await client.connect();
  try {
    for (let done = 0, k = 0; done < writes; k++) {
      // 50 inserts (with the new column), 40 updates, 10 deletes of old rows: 100 rows each.
      await client.query("BEGIN");
      await client.query(
        "INSERT INTO items (name, qty, score) SELECT 'after-' || $1::int || '-' || g, g, g FROM generate_series(1, 50) g",
        [k],
      );
      await client.query("UPDATE items SET qty = -qty - 1 WHERE id BETWEEN $1 AND $1 + 39", [1 + k * 100]);
      await client.query("DELETE FROM items WHERE id BETWEEN $1 AND $1 + 9", [51 + k * 100]);
      await client.query("COMMIT");
      done += 100;
    }
  } finally {
    await client.end();
  }
}

/** id → hash of the checkpoint's columns: every committed write, taken right after the writes. */
async function rowsOf(t: Target, db: string): Promise<Map<string, string>> {
  const rows = await t.sql("SELECT id::text AS id, md5(name || ':' || qty) AS h FROM items", [], db);
  return new Map(rows.map((r) => [r.id as string, r.h as string]));
}

/** Rows that differ from the truth: missing, changed, or there although deleted. */
async function lostRows(truth: Map<string, string>, t: Target, db: string): Promise<number> {
  const now = await rowsOf(t, db);
  let lost = 0;
  for (const [id, h] of truth) if (now.get(id) !== h) lost += 1;
  for (const id of now.keys()) if (!truth.has(id)) lost += 1;
  return lost;
}

interface ProviderRun {
  planMs: number;
  stepMs: Record<string, number>;
  totalMs: number;
  outputs: string[];
}

/** plan, then apply each step (verifying the last), timed: what `backout rollback` runs. */
async function restoreAndReplay(
  ctx: ProviderContext<PostgresSettings>,
  target: ComponentState,
): Promise<ProviderRun> {
  let t = performance.now();
  const current = await postgresProvider.capture(ctx);
  const specs = await postgresProvider.plan(ctx, current, target);
  const planMs = performance.now() - t;
  const stepMs: Record<string, number> = {};
  const outputs: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const step = planned(ctx, spec, i + 1);
    t = performance.now();
    const r = await postgresProvider.apply(ctx, step);
    stepMs[spec.action] = (stepMs[spec.action] ?? 0) + performance.now() - t;
    if (r.output) outputs.push(r.output);
    if (i === specs.length - 1 && !(await postgresProvider.verify(ctx, step)))
      throw new Error(`step ${step.id} not verified`);
  }
  return { planMs, stepMs, outputs, totalMs: planMs + Object.values(stepMs).reduce((a, b) => a + b, 0) };
}

/**
 * The replay's own figures from the step outputs: the pass that replayed the most rows, or
 * for PITR (which replays in passes and reports the last) all passes' time and every write.
 */
function replayFigures(outputs: string[], writes: number): { rows: number; ms: number; checkMs: number } {
  const text = outputs.join("\n");
  // The check of the tables against the replay runs inside it; its time is reported apart.
  const checks = [...text.matchAll(/then checked against the tables in (\d+) ms/g)].map((m) => Number(m[1]));
  const checkMs = Math.max(0, ...checks);
  const passes = /replay (\d+) ms in (\d+) passes \(of which the check of the tables (\d+) ms\)/.exec(text);
  if (passes) {
    const passChecks = Number(passes[3]);
    return { rows: writes, ms: Number(passes[1]) - passChecks, checkMs: passChecks };
  }
  let best = { rows: 0, ms: 0, checkMs };
  for (const m of text.matchAll(/(\d+) rows replayed in (\d+) ms/g)) {
    const rows = Number(m[1]);
    if (rows > best.rows) best = { rows, ms: Number(m[2]), checkMs };
  }
  return best;
}

function contextOf(
  dir: string,
  migrations: string,
  url: string,
  extra: Partial<PostgresSettings>,
): ProviderContext<PostgresSettings> {
  // One base directory per side: the capture store's path depends on the component and ids only.
  mkdirSync(dir, { recursive: true });
  return contextFor(postgresProvider, {
    name: "db",
    baseDir: dir,
    settings: {
      url,
      migrations,
      format: "dbmate",
      strategy: "restore",
      ...extra,
    } satisfies Partial<PostgresSettings>,
    env: { ...process.env, BACKOUT_PG_BIN: PG_BIN },
    rollbackId: "r-bench-1",
  });
}

async function checkpoint(
  ctx: ProviderContext<PostgresSettings>,
): Promise<{ target: ComponentState; snap: SnapshotRecord; ms: number }> {
  const t = performance.now();
  const target = await postgresProvider.checkpoint?.(ctx, "c-bench-1");
  if (!target) throw new Error("the postgres provider has no checkpoint hook");
  const snap = target.details?.snapshot as SnapshotRecord | undefined;
  if (!snap) throw new Error("the checkpoint took no snapshot");
  return { target, snap, ms: performance.now() - t };
}

function printRun(label: string, run: ProviderRun, lost: number): void {
  row(`${label}: plan`, fmtMs(run.planMs));
  for (const [a, ms] of Object.entries(run.stepMs)) row(`${label}: ${a}`, fmtMs(ms));
  row(`${label}: total`, `${fmtMs(run.totalMs)}, lost rows ${lost}`);
}

/** The 1 s goal of issue 12 for the time the live database refuses connections. */
const BLOCK_GOAL_MS = 1000;

/**
 * The block, from the step outputs: how long the database refused connections (the goal is
 * ≤ 1 s, whatever the number of writes since the checkpoint), each phase under it as the step
 * timed it, and what the last drain had to decode.
 */
function printBlocked(outputs: string[]): void {
  const text = outputs.join("\n");
  const block = /connections refused for (\d+) ms: (.*)/.exec(text);
  if (!block) {
    row("connections refused", "not reported (the step did not swap)");
    return;
  }
  const ms = Number(block[1]);
  const down = /of which the server was down (\d+) ms/.exec(text);
  row(
    "connections refused",
    `${fmtMs(ms)}${down ? ` (server down ${down[1]} ms)` : ""}: ${fmtRatio(ms / BLOCK_GOAL_MS)} of the 1 s goal (${goal(ms, BLOCK_GOAL_MS, "goal ms")})`,
  );
  for (const part of (block[2] ?? "").split(", ")) {
    const p = /^(.*) (\d+) ms$/.exec(part);
    if (p) row(`  under the block: ${p[1]}`, `${p[2]} ms`);
  }
  for (const d of text.matchAll(
    /while writes were blocked: captured (\d+) changes .*decoded ([\d.]+) MB of WAL in (\d+) ms/g,
  ))
    row("  under the block: last drain", `${d[1]} changes, ${d[2]} MB of WAL decoded in ${d[3]} ms`);
  // PITR times its last replay among the phases; dump mode reports it on its own line.
  if ((block[2] ?? "").includes("last replay")) return;
  const last = /replayed the last writes while blocked, before the swap, in (\d+) ms/.exec(text);
  row("  under the block: last replay", last ? `${last[1]} ms` : "none (the last drain brought nothing)");
}

/** Replay rates: the replay alone (its own timer) and end to end (what keeping the writes adds to a plain restore). */
function printRates(run: ProviderRun, plainMs: number, writes: number): void {
  const replay = replayFigures(run.outputs, writes);
  const alone = replay.ms > 0 ? replay.rows / (replay.ms / 1000) : Number.NaN;
  const extraMs = run.totalMs - plainMs;
  const endToEnd = writes / (extraMs / 1000);
  row(
    "replay alone rows/s",
    `${Math.round(alone).toLocaleString()} (${replay.rows.toLocaleString()} rows in ${replay.ms} ms; goal ≥ 50,000: ${alone >= 50_000 ? "met" : "NOT met"})`,
  );
  row("check of the tables against the replay", `${replay.checkMs} ms (inside restore-snapshot)`);
  row(
    "end to end rows/s",
    `${Math.round(endToEnd).toLocaleString()} (${writes.toLocaleString()} writes / (restore+replay − plain) ${fmtMs(extraMs)}; goal ≥ 50,000: ${endToEnd >= 50_000 ? "met" : "NOT met"})`,
  );
}

async function pitrSide(o: Options, dir: string): Promise<void> {
  heading(`PITR: ${o.rows.toLocaleString()} rows, ${o.writes.toLocaleString()} writes since the checkpoint`);
  // fsync on: the harness turns it off for tests, a benchmark of recovery must not.
  const c = await startCtlCluster({ ...SERVER, max_connections: "60", fsync: "on" });
  const plainData = join(c.root, "pdata");
  try {
    const migrations = join(dir, "pitr-migrations");
    await seed(c, o.rows, migrations);
    const ctx = contextOf(join(dir, "pitr"), migrations, c.url("app"), {
      snapshot: "pitr",
      pitr: { dataDir: c.dataDir, walArchive: c.archive, pgBin: PG_BIN },
    });
    const cp = await checkpoint(ctx);
    row("checkpoint (pg_basebackup + slot + restore point)", fmtMs(cp.ms));
    await deployAndWrite(c, migrations, o.writes, o.backfill === 1);
    const truth = await rowsOf(c, "app");

    // The plain PITR runs on a copy of the cluster as it is now (data directory and archive).
    const plain = await copyCluster(c, plainData, cp.snap.baseBackup ?? "");

    const run = await restoreAndReplay(ctx, cp.target);
    const lost = await lostRows(truth, c, "app");

    const t = performance.now();
    const r = await restorePitr({
      dataDir: plainData,
      baseBackup: plain.baseBackup,
      walArchive: plain.archive,
      restorePoint: cp.snap.restorePoint,
      rollbackId: "r-plain-pitr",
      pgBin: PG_BIN,
      redact: (x) => x,
      url: plain.url("app"),
    });
    const plainMs = performance.now() - t;
    const plainLost = await lostRows(truth, plain, "app");

    printRun("restore+replay", run, lost);
    row(
      "plain PITR (recovery + swap)",
      `${fmtMs(plainMs)} (recovery ${r.recoveryMs} ms, down ${r.downtimeMs} ms), lost rows ${plainLost}`,
    );
    row(
      "restore+replay / plain PITR",
      `${fmtRatio(run.totalMs / plainMs)} (${goal(run.totalMs / plainMs, 3)})`,
    );
    printRates(run, plainMs, o.writes);
    printBlocked(run.outputs);
    for (const line of run.outputs.join("\n").split("\n")) note(line);
  } finally {
    stopDirs(c, "pdata");
    c.stop();
  }
}

/**
 * A copy of `c` (data directory, WAL archive, base backup) at `data`, started on a port of its
 * own. The copies archive into their own archive: a promotion of one must not find the other's
 * timeline history there (archive_command then fails and every shutdown waits on retries).
 */
async function copyCluster(
  c: CtlCluster,
  data: string,
  baseBackup: string,
): Promise<Target & { archive: string; baseBackup: string }> {
  c.run("pg_ctl", ["-D", c.dataDir, "-m", "fast", "-w", "stop"]);
  const archive = `${data}-archive`;
  const base = `${data}-base`;
  execFileSync("cp", ["-a", c.dataDir, data]);
  execFileSync("cp", ["-a", c.archive, archive]);
  execFileSync("cp", ["-a", baseBackup, base]);
  for (const d of [data, base]) {
    appendFileSync(
      join(d, "postgresql.conf"),
      `archive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f'\n`,
    );
  }
  c.run("pg_ctl", ["-D", c.dataDir, "-l", join(c.root, "server.log"), "-w", "-o", `-p ${c.port}`, "start"]);
  const port = await freePort();
  c.run("pg_ctl", ["-D", data, "-l", join(c.root, "pdata.log"), "-w", "-o", `-p ${port}`, "start"]);
  const url = (db = "postgres"): string => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    archive,
    baseBackup: base,
    url,
    async sql(text, values, db) {
      const client = new pg.Client({ connectionString: url(db) });
      client.on("error", () => undefined);
      await client.connect();
      try {
        return (await client.query<pg.QueryResultRow>(text, values)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

/** Stops every server running on `<root>/<prefix>*` (the harness's stop knows only data*). */
function stopDirs(c: CtlCluster, prefix: string): void {
  if (!existsSync(c.root)) return;
  for (const name of readdirSync(c.root).filter((n) => n.startsWith(prefix))) {
    const d = join(c.root, name);
    if (!existsSync(join(d, "postmaster.pid"))) continue;
    try {
      c.run("pg_ctl", ["-D", d, "-m", "immediate", "stop"]);
    } catch {
      // already stopped
    }
  }
}

async function dumpSide(o: Options, dir: string): Promise<void> {
  heading(`dump: ${o.rows.toLocaleString()} rows, ${o.writes.toLocaleString()} writes since the checkpoint`);
  const c = await startPostgres({ settings: SERVER });
  try {
    const migrations = join(dir, "dump-migrations");
    await seed(c, o.rows, migrations);
    const ctx = contextOf(join(dir, "dump"), migrations, c.url("app"), { snapshot: "dump" });
    const cp = await checkpoint(ctx);
    row("checkpoint (slot + pg_dump at its snapshot)", fmtMs(cp.ms));
    await deployAndWrite(c, migrations, o.writes, o.backfill === 1);
    const truth = await rowsOf(c, "app");
    // The dump-only variant runs on a copy made before anything swaps (FILE_COPY: no WAL for
    // the slot to read through).
    await c.sql("CREATE DATABASE app_plain TEMPLATE app STRATEGY FILE_COPY");

    const run = await restoreAndReplay(ctx, cp.target);
    const lost = await lostRows(truth, c, "app");

    const dumpFile = cp.snap.dumpFile ?? "";
    let t = performance.now();
    await c.createDatabase("app_pgrestore");
    await runCommandOk({
      argv: [join(PG_BIN, "pg_restore"), "--jobs", "4", "-d", c.url("app_pgrestore"), dumpFile],
    });
    const pgRestoreMs = performance.now() - t;

    t = performance.now();
    await restoreDump({
      url: c.url("app_plain"),
      dumpFile,
      rollbackId: "r-plain",
      pgBin: PG_BIN,
      redact: (x) => x,
    });
    const plainMs = performance.now() - t;

    printRun("restore+replay", run, lost);
    row(
      "pg_restore of the pre-deploy dump",
      `${fmtMs(pgRestoreMs)}, lost rows ${await lostRows(truth, c, "app_pgrestore")}`,
    );
    row(
      "dump only (restore + swap, no replay)",
      `${fmtMs(plainMs)}, lost rows ${await lostRows(truth, c, "app_plain")}`,
    );
    row(
      "restore+replay / dump only",
      `${fmtRatio(run.totalMs / plainMs)} (${goal(run.totalMs / plainMs, 3)})`,
    );
    row("restore+replay / pg_restore", fmtRatio(run.totalMs / pgRestoreMs));
    printRates(run, plainMs, o.writes);
    printBlocked(run.outputs);
    for (const line of run.outputs.join("\n").split("\n")) note(line);
  } finally {
    await c.stop();
  }
}

async function main(): Promise<void> {
  const o = intOptions({
    rows: 1_000_000,
    writes: 50_000,
    backfill: 0,
    pitr: 1,
    dump: 1,
    rounds: 5,
    seconds: 10,
    scale: 10,
    clients: 4,
    "drain-every": 5,
  });
  const { dir, remove } = scratchDir("pg-replay");
  try {
    heading("postgres-replay");
    row("machine", machine());
    if (o.pitr === 1) await pitrSide(o, dir);
    if (o.dump === 1) await dumpSide(o, dir);
    if (o.rounds > 0) {
      const opts = { ...o, drainEvery: o["drain-every"] };
      heading(
        `capture cost: pgbench -c ${o.clients} -T ${o.seconds}, scale ${o.scale}, ${o.rounds} interleaved rounds`,
      );
      printCaptureCost(await captureCost(dir, opts), opts);
    }
  } finally {
    remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
