/**
 * The lock taken on a table BEFORE its archive copy, in the transaction that then runs the
 * destructive statement. Without it the copy reads a snapshot and the statement takes its lock
 * later: every write committed in between (by the application, still running) is destroyed by
 * the statement without ever reaching the archive.
 *
 * - Statements that rewrite or remove the table or a column (DROP TABLE/COLUMN/SCHEMA, TRUNCATE,
 *   a lossy ALTER COLUMN TYPE) take ACCESS EXCLUSIVE anyway; taking it before the copy only moves
 *   it earlier.
 * - DELETE and UPDATE take ROW EXCLUSIVE, which lets writers through; copy-then-delete needs no
 *   write between the two, so SHARE ROW EXCLUSIVE: it blocks every writer (and itself) while
 *   readers carry on.
 *
 * Held until COMMIT/ROLLBACK; waiting for it is bounded by lock_timeout like every other lock.
 */
import type { Queryable } from "../connection/queryable.js";
import { tableExists, tablesOf } from "../sql/catalog.js";
import { qualified } from "../sql/quote.js";
import type { ClassifiedStatement, DataTarget } from "../classify/types.js";
import { internal } from "../errors.js";

export type ArchiveLockMode = "ACCESS EXCLUSIVE" | "SHARE ROW EXCLUSIVE";

export function archiveLockMode(operation: DataTarget["operation"]): ArchiveLockMode {
  return operation === "delete" || operation === "update" ? "SHARE ROW EXCLUSIVE" : "ACCESS EXCLUSIVE";
}

/** The tables a target covers: every table of the schema for DROP SCHEMA, else its own table. */
export async function targetTables(db: Queryable, target: DataTarget): Promise<string[]> {
  return target.operation === "drop-schema" ? tablesOf(db, target.schema) : [target.table];
}

/**
 * Locks every table the statement's targets destroy data in, strongest mode per table, in a
 * stable order (schema, table) so two runners never deadlock on each other. Must run inside a
 * transaction block (LOCK refuses otherwise, SQLSTATE 25P01), and the transaction must be READ
 * COMMITTED so the copy that follows takes its snapshot after the lock is granted.
 * Returns "schema.table mode" for each lock taken, for the step's output.
 */
export async function lockArchiveTargets(db: Queryable, statement: ClassifiedStatement): Promise<string[]> {
  await assertReadCommitted(db);
  const modes = new Map<string, { schema: string; table: string; mode: ArchiveLockMode }>();
  for (const target of statement.targets) {
    const mode = archiveLockMode(target.operation);
    for (const table of await targetTables(db, target)) {
      const key = `${target.schema}\u0000${table}`;
      const had = modes.get(key);
      if (had === undefined || (had.mode !== "ACCESS EXCLUSIVE" && mode === "ACCESS EXCLUSIVE"))
        modes.set(key, { schema: target.schema, table, mode });
    }
  }
  const taken: string[] = [];
  for (const [, t] of [...modes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // A table already gone has nothing to archive (archiveTable skips it too).
    if (!(await tableExists(db, t.schema, t.table))) continue;
    await db.query(`LOCK TABLE ${qualified(t.schema, t.table)} IN ${t.mode} MODE`);
    taken.push(`${t.schema}.${t.table} ${t.mode}`);
  }
  return taken;
}

/**
 * Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot predates the lock, so the
 * copy would still miss what was committed while waiting for it: refuse rather than lose data.
 */
async function assertReadCommitted(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ level: string }>(
    "SELECT current_setting('transaction_isolation') AS level",
  );
  const level = rows[0]?.level ?? "";
  if (level !== "read committed") {
    throw internal(
      `archiving needs a READ COMMITTED transaction (this one is ${level}): its copy must see every write committed before the table lock`,
    );
  }
}
