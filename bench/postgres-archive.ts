/**
 * bench/postgres-archive.ts — rolling back a deploy on a 1,000,000-row table, three ways.
 *
 * The deploy (dbmate migration) added a column and backfilled it:
 *   up:   ALTER TABLE items ADD COLUMN score int; UPDATE items SET score = qty * 2;
 *   down: ALTER TABLE items DROP COLUMN score;
 * After the deploy, users wrote `--writes` rows (half inserts, half updates). Each round clones
 * that database three times (CREATE DATABASE ... TEMPLATE) and rolls each clone back:
 *   backout    the postgres provider under the archive policy: plan (classify + measure), then
 *              apply (advisory lock, archive the column, the down, the history row, one
 *              transaction) and verify (version + schema fingerprint).
 *   by hand    the floor: the same lock-archive-drop SQL typed by hand, one transaction. It locks
 *              the table (ACCESS EXCLUSIVE) before the copy, as backout does: without the lock,
 *              writes committed during the copy would be dropped unarchived (issue 12, item 1),
 *              so an unlocked copy is no baseline for a rollback that must lose nothing.
 *   pg_restore the pre-deploy pg_dump (taken before the deploy, not timed) restored into a fresh
 *              database: loses every write made after the dump.
 * Ratios: backout apply+verify / by hand (goal ≤ 1.2), pg_restore / backout (goal ≥ 2.5).
 *
 * --payload N adds a text column of about N bytes per row (0: none): pg_restore copies whole rows,
 * the archive only the dropped column and the key, so wider rows widen the gap.
 *
 *   npx tsx bench/postgres-archive.ts [--rows 1000000] [--writes 1000] [--runs 3] [--jobs 1] [--payload 0]
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ComponentState } from "../src/core/model.js";
import { runCommandOk } from "../src/process/run-command.js";
import { postgresProvider, type PostgresSettings } from "../src/providers/postgres/index.js";
import { contextFor, planned } from "../test/providers/context.js";
import { PG_BIN, type PgCluster, startPostgres } from "../test/support/postgres.js";
import { fmtMs, fmtRatio, heading, intOptions, machine, median, note, row, scratchDir } from "./lib.js";

const V_BASE = "20240101000000";
const V_DEPLOY = "20240201000000";
const UP = "ALTER TABLE items ADD COLUMN score int;\nUPDATE items SET score = qty * 2;";
const DOWN = "ALTER TABLE items DROP COLUMN score;";

export interface ArchiveBenchResult {
  backoutMs: number;
  backoutPlanMs: number;
  handMs: number;
  restoreMs: number;
  lost: { backout: number; hand: number; restore: number };
  archived: { backout: number; hand: number };
}

async function seed(pg: PgCluster, rows: number, payload: number, dir: string): Promise<string> {
  await pg.createDatabase("seed");
  await pg.sql(
    `CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, qty int NOT NULL, note text);
     INSERT INTO items (name, qty, note) SELECT 'item-' || g, g % 1000, repeat(md5(g::text), ${Math.ceil(payload / 32)})
       FROM generate_series(1, ${rows}) g;
     CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
     INSERT INTO schema_migrations VALUES ('${V_BASE}');`,
    undefined,
    "seed",
  );
  await pg.sql("VACUUM ANALYZE items", undefined, "seed");
  writeFileSync(join(dir, `${V_BASE}_items.sql`), "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n");
  writeFileSync(join(dir, `${V_DEPLOY}_score.sql`), `-- migrate:up\n${UP}\n-- migrate:down\n${DOWN}\n`);
  // The checkpoint: backout's capture and the pg_dump a restore-based rollback would use.
  const dump = join(dir, "pre-deploy.dump");
  await runCommandOk({ argv: [join(PG_BIN, "pg_dump"), "-Fc", "-f", dump, pg.url("seed")] });
  return dump;
}

/** The deploy, then `writes` user writes after it: half inserts, half updates of old rows. */
async function deployAndWrite(pg: PgCluster, writes: number): Promise<void> {
  await pg.sql(
    `BEGIN; ${UP} INSERT INTO schema_migrations VALUES ('${V_DEPLOY}'); COMMIT;`,
    undefined,
    "seed",
  );
  const half = Math.floor(writes / 2);
  const client = await pg.connect("seed");
  try {
    for (let i = 1; i <= half; i++) {
      await client.query("INSERT INTO items (name, qty, score) VALUES ($1, $2, $3)", [
        `after-deploy-${i}`,
        i,
        i,
      ]);
      await client.query("UPDATE items SET qty = $1 WHERE id = $2", [-i, i]);
    }
  } finally {
    await client.end();
  }
}

/** Writes made after the deploy that are not in `db` any more. */
async function lostWrites(pg: PgCluster, db: string, writes: number): Promise<number> {
  const half = Math.floor(writes / 2);
  const [r] = await pg.sql(
    `SELECT (SELECT count(*) FROM items WHERE name LIKE 'after-deploy-%')::int AS inserted,
            (SELECT count(*) FROM items WHERE id <= $1 AND qty = -id)::int AS updated`,
    [half],
    db,
  );
  return 2 * half - Number(r?.inserted ?? 0) - Number(r?.updated ?? 0);
}

async function archivedValues(pg: PgCluster, db: string): Promise<number> {
  const tables = await pg.sql(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'backout_archive' AND table_name LIKE 'items%'",
    undefined,
    db,
  );
  let n = 0;
  for (const t of tables) {
    const [c] = await pg.sql(
      `SELECT count(score)::int AS n FROM backout_archive."${String(t.table_name)}"`,
      [],
      db,
    );
    n += Number(c?.n ?? 0);
  }
  return n;
}

async function withBackout(pg: PgCluster, db: string, dir: string, target: ComponentState, round: number) {
  const ctx = contextFor(postgresProvider, {
    name: "db",
    baseDir: dir,
    settings: { url: pg.url(db), migrations: dir, format: "dbmate" } satisfies Partial<PostgresSettings>,
    dataLossPolicy: "archive",
    rollbackId: `bench-${round}`,
  });
  const t0 = performance.now();
  const current = await postgresProvider.capture(ctx);
  const specs = await postgresProvider.plan(ctx, current, target);
  const t1 = performance.now();
  for (const [i, spec] of specs.entries()) {
    const step = planned(ctx, spec, i + 1);
    await postgresProvider.apply(ctx, step);
    if (!(await postgresProvider.verify(ctx, step))) throw new Error(`backout: step ${step.id} not verified`);
  }
  const t2 = performance.now();
  if (specs.length !== 1 || specs[0]?.risk.dataLoss) throw new Error("backout planned something unexpected");
  return { planMs: t1 - t0, applyMs: t2 - t1 };
}

/** The floor: what a careful DBA would type, in one transaction, locking what is archived first. */
async function byHand(pg: PgCluster, db: string): Promise<number> {
  const client = await pg.connect(db);
  try {
    // Untimed, like backout's plan (whose measuring reads the table before its timed apply): both
    // start with the table in shared buffers, so the ratio compares the work, not cache warmth.
    await client.query("SELECT count(score) FROM public.items");
    const t0 = performance.now();
    await client.query("BEGIN");
    await client.query("SET LOCAL lock_timeout = '5s'");
    await client.query("LOCK TABLE public.items IN ACCESS EXCLUSIVE MODE");
    await client.query("CREATE SCHEMA IF NOT EXISTS backout_archive");
    await client.query("CREATE TABLE backout_archive.items_score AS SELECT id, score FROM public.items");
    await client.query(DOWN);
    await client.query("DELETE FROM schema_migrations WHERE version = $1", [V_DEPLOY]);
    await client.query("COMMIT");
    return performance.now() - t0;
  } finally {
    await client.end();
  }
}

async function byRestore(pg: PgCluster, db: string, dump: string, jobs: number): Promise<number> {
  const t0 = performance.now();
  await pg.createDatabase(db);
  const argv = [
    join(PG_BIN, "pg_restore"),
    "--no-owner",
    "--exit-on-error",
    `--jobs=${jobs}`,
    "-d",
    pg.url(db),
    dump,
  ];
  await runCommandOk({ argv });
  return performance.now() - t0;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<ArchiveBenchResult> {
  const o = intOptions({ rows: 1_000_000, writes: 1000, runs: 3, jobs: 1, payload: 0 }, argv);
  heading(
    `postgres-archive: roll back "add column + backfill" on ${o.rows} rows (+${o.payload} B payload), ${o.writes} writes after the deploy`,
  );
  row("machine", machine());
  const pg = await startPostgres();
  const files = scratchDir("pg-archive");
  try {
    const tSeed = performance.now();
    const dump = await seed(pg, o.rows, o.payload, files.dir);
    const checkpoint = await postgresProvider.capture(
      contextFor(postgresProvider, {
        name: "db",
        baseDir: files.dir,
        settings: { url: pg.url("seed"), migrations: files.dir, format: "dbmate" },
      }),
    );
    await deployAndWrite(pg, o.writes);
    row("setup (seed, dump, deploy, writes)", fmtMs(performance.now() - tSeed));
    const times = {
      backout: [] as number[],
      plan: [] as number[],
      hand: [] as number[],
      restore: [] as number[],
    };
    const result: ArchiveBenchResult = {
      backoutMs: 0,
      backoutPlanMs: 0,
      handMs: 0,
      restoreMs: 0,
      lost: { backout: 0, hand: 0, restore: 0 },
      archived: { backout: 0, hand: 0 },
    };
    for (let round = 1; round <= Math.max(1, o.runs); round++) {
      const [b, h, r] = [`b${round}`, `h${round}`, `r${round}`];
      await pg.sql(`CREATE DATABASE ${b} TEMPLATE seed`);
      await pg.sql(`CREATE DATABASE ${h} TEMPLATE seed`);
      // Alternating which goes first, so cache warmth favours neither.
      if (round % 2 === 0) times.hand.push(await byHand(pg, h));
      const bk = await withBackout(pg, b, files.dir, checkpoint, round);
      times.backout.push(bk.applyMs);
      times.plan.push(bk.planMs);
      if (round % 2 === 1) times.hand.push(await byHand(pg, h));
      times.restore.push(await byRestore(pg, r, dump, Math.max(1, o.jobs)));
      result.lost = {
        backout: await lostWrites(pg, b, o.writes),
        hand: await lostWrites(pg, h, o.writes),
        restore: await lostWrites(pg, r, o.writes),
      };
      result.archived = { backout: await archivedValues(pg, b), hand: await archivedValues(pg, h) };
      for (const d of [b, h, r]) await pg.sql(`DROP DATABASE ${d}`);
    }
    result.backoutMs = median(times.backout);
    result.backoutPlanMs = median(times.plan);
    result.handMs = median(times.hand);
    result.restoreMs = median(times.restore);
    const handRatio = result.backoutMs / result.handMs;
    const restoreRatio = result.restoreMs / result.backoutMs;
    row("by hand: lock + archive + drop + history (median)", fmtMs(result.handMs));
    row("backout: apply + verify (median)", fmtMs(result.backoutMs));
    row("backout: capture + plan (classify, measure)", fmtMs(result.backoutPlanMs));
    row(`pg_restore --jobs=${o.jobs} of the pre-deploy dump`, fmtMs(result.restoreMs));
    row("backout / by hand (goal ≤ 1.2)", `${fmtRatio(handRatio)} ${handRatio <= 1.2 ? "met" : "NOT met"}`);
    row("backout incl. plan / by hand", fmtRatio((result.backoutMs + result.backoutPlanMs) / result.handMs));
    row(
      "pg_restore / backout (goal ≥ 2.5)",
      `${restoreRatio.toFixed(2)}× ${restoreRatio >= 2.5 ? "met" : "NOT met"}`,
    );
    row(
      "writes lost: backout / by hand / pg_restore",
      `${result.lost.backout} / ${result.lost.hand} / ${result.lost.restore} of ${o.writes}`,
    );
    row("score values archived: backout / by hand", `${result.archived.backout} / ${result.archived.hand}`);
    note(`${Math.max(1, o.runs)} rounds, medians; every round starts from a fresh template clone`);
    return result;
  } finally {
    await pg.stop();
    files.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await main();
}
