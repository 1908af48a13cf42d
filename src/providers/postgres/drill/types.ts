/**
 * What a drill finds. A drill replays the pending migrations up, down (newest first) and up
 * again on a scratch copy; every way the rollback would not be clean is one finding, attached
 * to the migration that caused it.
 */
import type { DataLossPolicy } from "../../../core/model.js";

export type FindingKind =
  /** The migration has no down script: backout cannot revert it. */
  | "no-down"
  /** The down script holds destructive or opaque statements whose data is not archived. */
  | "down-loses-data"
  /** The up destroys data (drops a column...): a down cannot bring those values back, a restore can. */
  | "up-destroys-data"
  /** After the down, the schema is not what it was before the up. */
  | "schema-differs"
  /** After the down, some table holds a different number of rows than before the up. */
  | "rows-differ"
  | "up-fails"
  | "down-fails"
  /** Applying it again after the round trip fails, or gives another schema than the first time. */
  | "reapply-differs"
  | "reapply-fails";

export interface DrillFinding {
  kind: FindingKind;
  /** One line a person can act on: "drops column users.nickname", "index users_email_idx is left behind". */
  message: string;
  /** Schema lines only before / only after, or per-table row counts. */
  details?: string[];
}

export interface MigrationDrill {
  version: string;
  name: string;
  /** What was done with it: up, down, up again (false when an earlier failure stopped the drill). */
  up: boolean;
  down: boolean;
  reapplied: boolean;
  findings: DrillFinding[];
  /** Destructive statements whose data the archive policy would keep (informational, clean). */
  archived: string[];
  /** What the up destroys that the component's snapshot brings back by a restore (informational, clean). */
  restorable?: string[];
}

export interface DrillReport {
  component: string;
  format: string;
  /** How the scratch copy was made. */
  copy: "template" | "schema-and-sample";
  /** Rows per table copied when sampling. */
  sampleRows?: number;
  policy: DataLossPolicy;
  /** Versions applied on the live database when the drill started. */
  applied: string[];
  migrations: MigrationDrill[];
  /** Problems not tied to one migration (e.g. the scratch copy's history differs). */
  problems: string[];
  clean: boolean;
  durationMs: number;
}
