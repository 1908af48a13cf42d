/**
 * `backout archive prune` and the retention a successful restore applies (`keepBefore`):
 * removes the pre-rollback copies a restore kept — databases `<db>__before_<tag>` (dump mode)
 * and data directories `<dataDir>__before_<tag>` (PITR). Only copies carrying backout's marker
 * (database comment, marker file) are touched.
 */
import { rmSync } from "node:fs";
import { quoteIdent } from "../../../sql/quote.js";
import { connectAdmin } from "./admin.js";
import { beyondNewest, keptDatabases, keptDirectories, type KeptCopy } from "./kept.js";

export interface PruneOptions {
  redact: (text: string) => string;
  /** Only the copies of this rollback (id or prefix). */
  rollbackId?: string;
  /** Only copies kept longer than this. */
  olderThanMs?: number;
  /** Keep this many of the newest copies (of the database, and of the data directory). */
  keepNewest?: number;
  /** PITR: the live data directory, whose kept siblings are pruned too. */
  dataDir?: string;
  /** List what would go, remove nothing. */
  dryRun?: boolean;
  now?: Date;
}

function chosen(copies: KeptCopy[], opts: PruneOptions): KeptCopy[] {
  const now = (opts.now ?? new Date()).getTime();
  const pool = opts.keepNewest === undefined ? copies : beyondNewest(copies, opts.keepNewest);
  return pool
    .filter((k) => !opts.rollbackId || k.rollbackId.startsWith(opts.rollbackId))
    .filter((k) => opts.olderThanMs === undefined || now - k.at.getTime() >= opts.olderThanMs)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes (or with dryRun lists) the kept copies; returns their names (databases) and paths (directories). */
export async function pruneKept(url: string, opts: PruneOptions): Promise<string[]> {
  const removed: string[] = [];
  const admin = await connectAdmin(url, opts.redact);
  try {
    for (const copy of chosen(await keptDatabases(admin), opts)) {
      removed.push(copy.name);
      if (opts.dryRun) continue;
      // The checkpoint's slot stays with the old database (slots belong to a database's oid);
      // it pins WAL and blocks DROP DATABASE.
      await admin.client.query(
        `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active`,
        [copy.name],
      );
      await admin.client.query(`DROP DATABASE IF EXISTS ${quoteIdent(copy.name)} WITH (FORCE)`);
    }
  } finally {
    await admin.client.end().catch(() => undefined);
  }
  if (opts.dataDir) {
    for (const copy of chosen(keptDirectories(opts.dataDir), opts)) {
      removed.push(copy.name);
      if (!opts.dryRun) rmSync(copy.name, { recursive: true, force: true });
    }
  }
  return removed;
}
