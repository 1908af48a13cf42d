/**
 * What apply() does for one migration, reduced to the layout's part: one transaction running the
 * down script, then recordReverted (or the up script, then recordApplied, as the drill does).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type pg from "pg";
import type { Migration, MigrationLayout } from "../../../../src/providers/postgres/layouts/layout.js";

export async function inTransaction(client: pg.Client, work: () => Promise<void>): Promise<void> {
  await client.query("BEGIN");
  try {
    await work();
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK");
    throw e;
  }
}

/** Reverts the newest `count` applied migrations, newest first, like the planned migrate-down steps. */
export async function revertNewest(
  client: pg.Client,
  layout: MigrationLayout,
  dir: string,
  count: number,
): Promise<string[]> {
  const all = await layout.readMigrations(dir);
  const applied = await layout.appliedVersions(client);
  const reverted: string[] = [];
  for (const version of applied.slice(-count).reverse()) {
    const m: Migration | undefined = all.find((x) => x.version === version);
    if (!m?.downSql) throw new Error(`no down script for ${version}`);
    const down = m.downSql;
    await inTransaction(client, async () => {
      await client.query(down);
      await layout.recordReverted(client, m);
    });
    reverted.push(version);
  }
  return reverted;
}

export async function applyWith(client: pg.Client, layout: MigrationLayout, m: Migration): Promise<void> {
  const up = m.upSql ?? "";
  await inTransaction(client, async () => {
    await client.query(up);
    await layout.recordApplied(client, m);
  });
}

/** Writes `files` (relative path → text) into a fresh temp dir. */
export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "backout-layout-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export async function columns(client: pg.Client, table: string): Promise<string[]> {
  const r = await client.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    [table],
  );
  return r.rows.map((x) => x.column_name);
}
