/**
 * bench/postgres-replay.ts — rolling back a bad deploy on a 1,000,000-row table with 50,000
 * user writes since the checkpoint, three ways, side by side:
 *   restore+replay  the postgres provider, strategy restore: capture-changes (drain the slot),
 *                   restore-snapshot (pg_restore of the checkpoint dump + swap, final drain),
 *                   replay-changes, then verify (replay complete, fingerprint = checkpoint's).
 *   pg_restore      pg_restore of the pre-deploy dump (the checkpoint's) into a fresh database:
 *                   what a person would type; loses every write since the checkpoint.
 *   dump only       the provider's restore alone (pg_restore + swap, no replay) on a copy:
 *                   the "plain restore to the checkpoint"; loses every write since, too.
 * Lost writes are counted row by row against the pre-rollback database (the truth: it holds
 * every committed write), on the checkpoint's columns. Then the cost of capture on pgbench.
 *
 *   npx tsx bench/postgres-replay.ts [--rows 1000000] [--writes 50000] [--backfill 0]
 *     [--rounds 3] [--seconds 10] [--scale 10] [--clients 4]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { runCommandOk } from "../src/process/run-command.js";
import { postgresProvider, type PostgresSettings } from "../src/providers/postgres/index.js";
import { restoreDump } from "../src/providers/postgres/restore/index.js";
import { contextFor, planned } from "../test/providers/context.js";
import { PG_BIN, type PgCluster, startPostgres } from "../test/support/postgres.js";
import { captureCost } from "./postgres-capture-cost.js";
import { fmtMs, fmtRatio, goal, heading, intOptions, machine, median, note, row, scratchDir } from "./lib.js";

const V_BASE = "20240101000000";
const V_DEPLOY = "20240201000000";

async function seed(pg: PgCluster, rows: number, migrations: string): Promise<void> {
  await pg.createDatabase("app");
  await pg.sql(
    `CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, qty int NOT NULL);
     INSERT INTO items (name, qty) SELECT 'item-' || g, g % 1000 FROM generate_series(1, ${rows}) g;
     CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
     INSERT INTO schema_migrations VALUES ('${V_BASE}');`,
    undefined,
    "app",
  );
  await pg.sql("VACUUM ANALYZE items", undefined, "app");
  mkdirSync(migrations, { recursive: true });
  writeFileSync(
    join(migrations, `${V_BASE}_items.sql`),
    "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
  );
}

/** The deploy (a column, optionally backfilled), then `writes` row writes in transactions of 100. */
async function deployAndWrite(
  pg: PgCluster,
  migrations: string,
  writes: number,
  backfill: boolean,
): Promise<void> {
  const up = `ALTER TABLE items ADD COLUMN score int;${backfill ? " UPDATE items SET score = qty * 2;" : ""}`;
  writeFileSync(join(migrations, `${V_DEPLOY}_score.sql`), `-- migrate:up\n${up}\n-- migrate:down\n`);
  await pg.sql(
    `BEGIN; ${up} INSERT INTO schema_migrations VALUES ('${V_DEPLOY}'); COMMIT;`,
    undefined,
    "app",
  );
  const client = await pg.connect("app");
  try {
    for (let done = 0, t = 0; done < writes; t++) {
      // 50 inserts (with the new column), 40 updates, 10 deletes of old rows: 100 rows each.
      await client.query("BEGIN");
      await client.query(
        "INSERT INTO items (name, qty, score) SELECT 'after-' || $1::int || '-' || g, g, g FROM generate_series(1, 50) g",
        [t],
      );
      await client.query("UPDATE items SET qty = -qty - 1 WHERE id BETWEEN $1 AND $1 + 39", [1 + t * 100]);
      await client.query("DELETE FROM items WHERE id BETWEEN $1 AND $1 + 9", [51 + t * 100]);
      await client.query("COMMIT");
      done += 100;
    }
  } finally {
    await client.end();
  }
}

/** Rows of `db` that differ from the truth (the pre-rollback database) on the checkpoint's columns. */
async function lostRows(pg: PgCluster, truth: string, db: string): Promise<number> {
  const q = "SELECT id::text AS id, md5(name || ':' || qty) AS h FROM items";
  const a = new Map((await pg.sql(q, [], truth)).map((r) => [r.id as string, r.h as string]));
  const b = new Map((await pg.sql(q, [], db)).map((r) => [r.id as string, r.h as string]));
  let lost = 0;
  for (const [id, h] of a) if (b.get(id) !== h) lost += 1;
  for (const id of b.keys()) if (!a.has(id)) lost += 1;
  return lost;
}

async function main(): Promise<void> {
  const o = intOptions({
    rows: 1_000_000,
    writes: 50_000,
    backfill: 0,
    rounds: 3,
    seconds: 10,
    scale: 10,
    clients: 4,
  });
  const { dir, remove } = scratchDir("pg-replay");
  const pg = await startPostgres({
    settings: {
      wal_level: "logical",
      max_replication_slots: "10",
      max_wal_senders: "10",
      max_wal_size: "4GB",
    },
  });
  try {
    heading(
      `postgres-replay: ${o.rows.toLocaleString()} rows, ${o.writes.toLocaleString()} writes since the checkpoint`,
    );
    row("machine", machine());
    const migrations = join(dir, "migrations");
    await seed(pg, o.rows, migrations);
    const ctx = contextFor(postgresProvider, {
      name: "db",
      baseDir: dir,
      settings: {
        url: pg.url("app"),
        migrations,
        format: "dbmate",
        snapshot: "dump",
        strategy: "restore",
      } satisfies Partial<PostgresSettings>,
      env: { ...process.env, BACKOUT_ROLLBACK_ID: "r-bench-1", BACKOUT_PG_BIN: PG_BIN },
    });
    let t = performance.now();
    const target = await postgresProvider.checkpoint?.(ctx, "c-bench-1");
    if (!target) throw new Error("the postgres provider has no checkpoint hook");
    row("checkpoint (slot + pg_dump at its snapshot)", fmtMs(performance.now() - t));
    const dumpFile = (target.details?.snapshot as { dumpFile: string }).dumpFile;

    await deployAndWrite(pg, migrations, o.writes, o.backfill === 1);
    // The dump-only variant runs on a copy (made before anything swaps).
    await pg.sql("CREATE DATABASE app_plain TEMPLATE app");

    // pg_restore of the pre-deploy dump into a fresh database.
    t = performance.now();
    await pg.createDatabase("app_pgrestore");
    await runCommandOk({
      argv: [join(PG_BIN, "pg_restore"), "--jobs", "4", "-d", pg.url("app_pgrestore"), dumpFile],
    });
    const pgRestoreMs = performance.now() - t;

    // Plain restore to the checkpoint: the provider's restore, no replay.
    t = performance.now();
    await restoreDump({
      url: pg.url("app_plain"),
      dumpFile,
      rollbackId: "r-plain",
      pgBin: PG_BIN,
      redact: (x) => x,
    });
    const plainMs = performance.now() - t;

    // Restore-and-replay through the provider.
    t = performance.now();
    const current = await postgresProvider.capture(ctx);
    const specs = await postgresProvider.plan(ctx, current, target);
    const planMs = performance.now() - t;
    const stepMs: Record<string, number> = {};
    const outputs: string[] = [];
    for (const [i, spec] of specs.entries()) {
      const step = planned(ctx, spec, i + 1);
      const s0 = performance.now();
      const r = await postgresProvider.apply(ctx, step);
      stepMs[spec.action] = performance.now() - s0;
      if (r.output) outputs.push(r.output);
      // capture-changes is never "reached" before the swap (draining again is cheap): verify the end.
      if (i === specs.length - 1 && !(await postgresProvider.verify(ctx, step)))
        throw new Error(`step ${step.id} not verified`);
    }
    const totalMs = planMs + Object.values(stepMs).reduce((a, b) => a + b, 0);
    const replayOut = outputs.at(-1) ?? "";
    const replayed = Number(/(\d+) rows replayed/.exec(replayOut)?.[1] ?? 0);
    const truth = (
      await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'app\\_\\_before\\_%'")
    )[0]?.datname as string;

    heading("time to roll back, and the committed writes each loses");
    row("restore+replay: plan", fmtMs(planMs));
    for (const [a, ms] of Object.entries(stepMs)) row(`restore+replay: ${a}`, fmtMs(ms));
    row("restore+replay: total", `${fmtMs(totalMs)}, lost rows ${await lostRows(pg, truth, "app")}`);
    row(
      "pg_restore of the pre-deploy dump",
      `${fmtMs(pgRestoreMs)}, lost rows ${await lostRows(pg, truth, "app_pgrestore")}`,
    );
    row(
      "dump only (restore + swap, no replay)",
      `${fmtMs(plainMs)}, lost rows ${await lostRows(pg, truth, "app_plain")}`,
    );
    row("restore+replay / dump only", `${fmtRatio(totalMs / plainMs)} (${goal(totalMs / plainMs, 3)})`);
    row("restore+replay / pg_restore", fmtRatio(totalMs / pgRestoreMs));
    const rate = replayed / ((stepMs["replay-changes"] ?? 1) / 1000);
    row(
      "replay rows/s (replayed / replay step time)",
      `${Math.round(rate).toLocaleString()} (goal ≥ 50,000: ${rate >= 50_000 ? "met" : "NOT met"})`,
    );
    for (const line of replayOut.split("\n")) note(line);
    note("plain PITR (snapshot: pitr) is not measured here: the dump-only restore is the baseline");

    heading(
      `capture cost: pgbench -c ${o.clients} -T ${o.seconds}, scale ${o.scale}, ${o.rounds} interleaved rounds`,
    );
    const cost = await captureCost(pg, dir, o);
    row(
      "TPS without capture (median)",
      `${median(cost.without).toFixed(0)}  [${cost.without.map((x) => x.toFixed(0)).join(", ")}]`,
    );
    row(
      "TPS with a slot drained every 200 ms (median)",
      `${median(cost.with).toFixed(0)}  [${cost.with.map((x) => x.toFixed(0)).join(", ")}]`,
    );
    row(
      "overhead",
      `${cost.overheadPct.toFixed(1)} % (goal ≤ 3 %: ${cost.overheadPct <= 3 ? "met" : "NOT met"})`,
    );
    row("changes captured during the with-rounds", cost.changesCaptured.toLocaleString());
  } finally {
    await pg.stop();
    remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
