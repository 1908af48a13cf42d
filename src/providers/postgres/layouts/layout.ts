import type { Queryable } from "../connection/queryable.js";

/**
 * One migration as the user's migration tool knows it. `version` is exactly what the tool
 * writes in its history table (dbmate: "20240101120000", golang-migrate: "41", Flyway: "1.4",
 * Sqitch: the change name, node-pg-migrate: the file name without extension).
 */
export interface Migration {
  version: string;
  name: string;
  /** Absolute path of the file holding the up SQL (or Sqitch's deploy script). */
  file: string;
  upSql: string | undefined;
  /** Absolute path of the down/undo/revert script, when there is one. */
  downFile: string | undefined;
  downSql: string | undefined;
  /** False when the tool runs the down outside a transaction (dbmate `transaction:false`). */
  downTransaction?: boolean;
  /** False when the tool runs the up outside a transaction (node-pg-migrate `pgm.noTransaction()`). */
  upTransaction?: boolean;
  /**
   * The tool builds this migration's SQL when it runs it (node-pg-migrate JavaScript/TypeScript):
   * upSql/downSql stay undefined until `toolSql` asked the tool.
   */
  runtime?: boolean;
  /** Why the tool cannot give the down (its own error), once `toolSql` asked. */
  downProblem?: string;
  /** Why the tool cannot give the up, once `toolSql` asked. */
  upProblem?: string;
}

/**
 * A migration tool's layout: how its files are named and how its history table records what
 * is applied. backout reverts with the down scripts and leaves the history exactly as the tool
 * itself would after its own down, so the tool's status and `up` keep working afterwards.
 */
export interface MigrationLayout {
  format: MigrationFormat;
  /** "schema.table" when the tool's own options place its history table (node-pg-migrate). */
  historyTable?: string;
  /** Whether `dir` looks like this tool's layout (used when `format: auto`). */
  detect(dir: string): Promise<boolean>;
  /** Every migration in `dir`, oldest first (the order the tool applies them). */
  readMigrations(dir: string): Promise<Migration[]>;
  /**
   * Versions the history table says are applied, oldest first; [] when the table does not
   * exist yet. A dirty flag (golang-migrate) or a failed row (Flyway) is an error naming it.
   */
  appliedVersions(db: Queryable): Promise<string[]>;
  /** Inside the caller's transaction, after the down ran: update the history as the tool's own down does. */
  recordReverted(db: Queryable, migration: Migration): Promise<void>;
  /** Inside the caller's transaction, after the up ran: record it as the tool's own up does (drill). */
  recordApplied(db: Queryable, migration: Migration): Promise<void>;
  /**
   * For `runtime` migrations among `wanted`: their SQL as the tool itself would run it (its dry
   * run), or the tool's reason why not. `all` is every migration, oldest first.
   */
  toolSql?(all: Migration[], wanted: Migration[]): Promise<Migration[]>;
}

/** `wanted` with the SQL of runtime migrations filled in by the tool (unchanged for SQL files). */
export async function withToolSql(
  layout: MigrationLayout,
  all: Migration[],
  wanted: Migration[],
): Promise<Migration[]> {
  if (layout.toolSql === undefined || !wanted.some((m) => m.runtime === true)) return wanted;
  return layout.toolSql(all, wanted);
}

export type MigrationFormat = "dbmate" | "golang-migrate" | "node-pg-migrate" | "sqitch" | "flyway";
export const MIGRATION_FORMATS: readonly MigrationFormat[] = [
  "dbmate",
  "golang-migrate",
  "node-pg-migrate",
  "sqitch",
  "flyway",
];
