import type { DataLossPolicy } from "../../../core/model.js";
import type { ClassifiedStatement } from "./types.js";

export interface DataPolicy {
  /** Archive before each destructive statement (policy archive, and all of them can be archived). */
  archive: boolean;
  /** Destructive statements the archive cannot copy (file lines), when the policy asks for it. */
  unarchivable: string[];
}

/** What the archive can copy: named tables or columns (a whole schema or an unknown target, not). */
export function archivable(s: ClassifiedStatement): boolean {
  return s.targets.length > 0 && s.targets.every((t) => t.operation !== "drop-schema");
}

export function dataPolicy(policy: DataLossPolicy, statements: ClassifiedStatement[]): DataPolicy {
  const destructive = statements.filter((s) => s.class === "destructive");
  if (policy !== "archive" || destructive.length === 0) return { archive: false, unarchivable: [] };
  const unarchivable = destructive.filter((s) => !archivable(s)).map((s) => `line ${s.line} (${s.reason})`);
  return { archive: unarchivable.length === 0, unarchivable };
}
