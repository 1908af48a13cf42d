import type { Risk } from "../../../core/model.js";
import type { DataPolicy } from "./policy.js";
import type { ClassifiedStatement, DataAtRisk, DataTarget } from "./types.js";

const n = (x: number): string => x.toLocaleString("en-US");

function where(t: DataTarget): string {
  const table = t.schema === "public" ? t.table : `${t.schema}.${t.table}`;
  return t.column === undefined ? table : `${table}.${t.column}`;
}

/**
 * "drops column users.nickname": what is lost, from the parse alone. It is part of the plan hash,
 * so it holds no live number (those are in measuredText).
 */
export function describeTarget(t: DataTarget): string {
  const rows = t.via !== undefined ? ` (${t.via})` : t.where === undefined ? "" : ` where ${t.where}`;
  switch (t.operation) {
    case "drop-table":
      return `drops table ${where(t)}`;
    case "drop-schema":
      return `drops schema ${t.schema}`;
    case "drop-column":
      return `drops column ${where(t)}`;
    case "truncate":
      return `empties table ${where(t)}`;
    case "delete":
      return `deletes rows of ${where(t)}${rows}`;
    case "update":
      return `overwrites ${where(t)}${rows}`;
    case "alter-type":
      return `changes the type of ${where(t)} (values may be converted lossily)`;
  }
}

/** "users.nickname: 1,204 non-null values": the live measurement of one target (shown, not hashed). */
function measuredOne(a: DataAtRisk & { note?: string }): string {
  const t = a.target;
  const figure =
    t.operation === "drop-schema"
      ? `${n(a.rows)} rows`
      : t.column === undefined
        ? `${n(a.rows)} rows`
        : `${n(a.values ?? a.rows)} non-null values`;
  const label = t.operation === "drop-schema" ? `schema ${t.schema}` : where(t);
  return `${label}: ${figure}${a.note === undefined ? "" : ` (${a.note})`}`;
}

/** All live measurements of a step, "" when there are none. */
export function measuredText(atRisk: (DataAtRisk & { note?: string })[]): string {
  return atRisk.map(measuredOne).join("; ");
}

/** Counted once per lost value: column targets count values, table targets rows. */
export function rowsAtRisk(atRisk: DataAtRisk[]): number {
  return atRisk.reduce((sum, a) => sum + (a.target.column === undefined ? a.rows : (a.values ?? a.rows)), 0);
}

/** The step's risk: data loss unless every destructive statement is archived and nothing is opaque. */
export function riskOf(
  statements: ClassifiedStatement[],
  atRisk: (DataAtRisk & { note?: string })[],
  policy: DataPolicy,
  file: string,
): Risk {
  const opaque = statements.filter((s) => s.class === "opaque");
  const destructive = statements.filter((s) => s.class === "destructive");
  const parts: string[] = [];
  for (const s of destructive) {
    if (s.targets.length === 0) parts.push(`${s.reason} (${file}:${s.line})`);
    else parts.push(...s.targets.map(describeTarget));
  }
  for (const s of opaque) parts.push(`cannot see what ${file}:${s.line} does: ${s.reason}`);
  const dataLoss = opaque.length > 0 || (destructive.length > 0 && !policy.archive);
  let summary = parts.length === 0 ? "schema change only, no data at risk" : [...new Set(parts)].join("; ");
  if (policy.archive && destructive.length > 0) summary = `archives first (${summary})`;
  else if (policy.unarchivable.length > 0) summary += `; cannot archive: ${policy.unarchivable.join(", ")}`;
  const risk: Risk = { dataLoss, summary };
  const measured = measuredText(atRisk);
  if (measured !== "") risk.measured = measured;
  const rows = rowsAtRisk(atRisk);
  if (rows > 0 || destructive.length > 0) risk.rowsAtRisk = rows;
  return risk;
}
