/**
 * What the real PostgreSQL parser (libpg-query) tells backout about one statement of a down
 * script, and what the live data says it would destroy.
 */
export type StatementClass = "safe" | "destructive" | "opaque";

/** A table, or one column of it, whose data a statement destroys. */
export interface DataTarget {
  schema: string;
  table: string;
  /** Set when only a column's values are lost (DROP COLUMN, lossy ALTER TYPE, UPDATE of it). */
  column?: string;
  /** For DELETE / UPDATE: the WHERE clause text, so measuring and archiving copy exactly those rows. */
  where?: string;
  /** Reached not by the statement itself but through a foreign key's action: which one, from where. */
  via?: string;
  operation: "drop-table" | "drop-column" | "truncate" | "delete" | "update" | "alter-type" | "drop-schema";
}

export interface ClassifiedStatement {
  /** The statement's own text, as cut from the script by the parser's locations. */
  sql: string;
  /** 1-based line of the statement in its file, for error messages. */
  line: number;
  class: StatementClass;
  /** Human reason: "drops column users.nickname", "DO block: cannot see inside". */
  reason: string;
  targets: DataTarget[];
}

/** Rows and values that a statement would lose, measured on the live database. */
export interface DataAtRisk {
  target: DataTarget;
  /** Rows of the table affected (all rows for drop/truncate, matching rows for delete/update). */
  rows: number;
  /** For column targets: non-null values that would be lost. */
  values?: number;
}
