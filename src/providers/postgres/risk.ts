import type { Risk } from "../../core/model.js";
import type { DataPolicy } from "./policy.js";
import type { ClassifiedStatement, DataAtRisk, DataTarget } from "./sql/types.js";

const n = (x: number): string => x.toLocaleString("en-US");

function where(t: DataTarget): string {
  const table = t.schema === "public" ? t.table : `${t.schema}.${t.table}`;
  return t.column === undefined ? table : `${table}.${t.column}`;
}

/** "drops column users.nickname (1,204 non-null values)" */
function describeAtRisk(a: DataAtRisk): string {
  const t = a.target;
  const values = `${n(a.values ?? a.rows)} non-null values`;
  switch (t.operation) {
    case "drop-table":
      return `drops table ${where(t)} (${n(a.rows)} rows)`;
    case "drop-schema":
      return `drops schema ${t.schema} (table ${t.table}: ${n(a.rows)} rows)`;
    case "drop-column":
      return `drops column ${where(t)} (${values})`;
    case "truncate":
      return `empties table ${where(t)} (${n(a.rows)} rows)`;
    case "delete":
      return `deletes ${n(a.rows)} rows of ${where(t)}`;
    case "update":
      return `overwrites ${t.column === undefined ? `${n(a.rows)} rows of` : values + " of"} ${where(t)}`;
    case "alter-type":
      return `changes the type of ${where(t)} (${values} may be converted lossily)`;
  }
}

/** Counted once per lost value: column targets count values, table targets rows. */
export function rowsAtRisk(atRisk: DataAtRisk[]): number {
  return atRisk.reduce((sum, a) => sum + (a.target.column === undefined ? a.rows : (a.values ?? a.rows)), 0);
}

/** The step's risk: data loss unless every destructive statement is archived and nothing is opaque. */
export function riskOf(
  statements: ClassifiedStatement[],
  atRisk: DataAtRisk[],
  policy: DataPolicy,
  file: string,
): Risk {
  const opaque = statements.filter((s) => s.class === "opaque");
  const destructive = statements.filter((s) => s.class === "destructive");
  const parts = atRisk.map(describeAtRisk);
  for (const s of destructive) {
    if (s.targets.length === 0) parts.push(`${s.reason} (${file}:${s.line})`);
  }
  for (const s of opaque) parts.push(`cannot see what ${file}:${s.line} does: ${s.reason}`);
  const dataLoss = opaque.length > 0 || (destructive.length > 0 && !policy.archive);
  let summary = parts.length === 0 ? "schema change only, no data at risk" : parts.join("; ");
  if (policy.archive && destructive.length > 0) summary = `archives first (${summary})`;
  else if (policy.unarchivable.length > 0) summary += `; cannot archive: ${policy.unarchivable.join(", ")}`;
  const risk: Risk = { dataLoss, summary };
  const rows = rowsAtRisk(atRisk);
  if (rows > 0 || destructive.length > 0) risk.rowsAtRisk = rows;
  return risk;
}
