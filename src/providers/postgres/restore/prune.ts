/**
 * `backout archive prune`: removes the pre-rollback copies a restore kept — databases
 * `<db>__before_<id>` (dump mode) and data directories `<dataDir>__before_<id>` (PITR). Only
 * copies carrying backout's marker (database comment, marker file) are touched.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { quoteIdent } from "../sql/quote.js";
import { connectAdmin } from "./admin.js";
import { parseBeforeMark, readKeptDir } from "./markers.js";
import { BEFORE_INFIX, beforePrefix } from "./names.js";

export interface PruneOptions {
  redact: (text: string) => string;
  /** Only the copies of this rollback (id or prefix). */
  rollbackId?: string;
  /** Only copies kept longer than this. */
  olderThanMs?: number;
  /** PITR: the live data directory, whose kept siblings are pruned too. */
  dataDir?: string;
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  now?: Date;
}

interface Kept {
  rollbackId: string;
  at: Date;
}

function wanted(kept: Kept, opts: PruneOptions): boolean {
  const now = (opts.now ?? new Date()).getTime();
  if (opts.rollbackId && !kept.rollbackId.startsWith(opts.rollbackId)) return false;
  return opts.olderThanMs === undefined || now - kept.at.getTime() >= opts.olderThanMs;
}

/** Removes (or with dryRun lists) the kept copies; returns their names (databases) and paths (directories). */
export async function pruneKept(url: string, opts: PruneOptions): Promise<string[]> {
  const removed: string[] = [];
  const admin = await connectAdmin(url, opts.redact);
  try {
    const prefix = beforePrefix(admin.live);
    const { rows } = await admin.client.query<{ datname: string; comment: string | null }>(
      `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database
        WHERE left(datname, length($1)) = $1 ORDER BY datname`,
      [prefix],
    );
    for (const row of rows) {
      const kept = parseBeforeMark(row.comment);
      if (!kept || !wanted(kept, opts)) continue;
      removed.push(row.datname);
      if (opts.dryRun) continue;
      // The checkpoint's slot stays with the old database (slots belong to a database's oid);
      // it pins WAL and blocks DROP DATABASE.
      await admin.client.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`,
        [row.datname],
      );
      await admin.client.query(`DROP DATABASE IF EXISTS ${quoteIdent(row.datname)} WITH (FORCE)`);
    }
  } finally {
    await admin.client.end().catch(() => undefined);
  }
  if (opts.dataDir) removed.push(...pruneDirs(opts.dataDir, opts));
  return removed;
}

function pruneDirs(dataDir: string, opts: PruneOptions): string[] {
  const parent = dirname(dataDir);
  const prefix = `${basename(dataDir)}${BEFORE_INFIX}`;
  if (!existsSync(parent)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(parent).sort()) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(parent, name);
    const kept = readKeptDir(dir);
    if (!kept || !wanted(kept, opts)) continue;
    removed.push(dir);
    if (!opts.dryRun) rmSync(dir, { recursive: true, force: true });
  }
  return removed;
}
