/**
 * Would this down lose data, or did its up already? The classifier (the real PostgreSQL parser) says which
 * statements are destructive or opaque. Under the archive policy, destructive statements the
 * archive can copy keep their data and are clean; opaque ones never are (nobody can say what
 * they destroy).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { DataLossPolicy } from "../../../core/model.js";
import type { Queryable } from "../connection/queryable.js";
import type { Migration } from "../layouts/layout.js";
import { archivable } from "../classify/policy.js";
import { classifyScript } from "../classify/classify.js";
import { lostByUp } from "../classify/up-loss.js";
import type { MigrationDrill } from "./types.js";

/**
 * Lines of the file before the down's text: single-file formats (dbmate, node-pg-migrate) keep
 * the down below the up, and people look for the statement by its line in the file.
 */
async function lineOffset(m: Migration): Promise<number> {
  if (m.downFile === undefined || m.downSql === undefined) return 0;
  const text = await readFile(m.downFile, "utf8").catch(() => "");
  const at = text.indexOf(m.downSql);
  return at < 0 ? 0 : text.slice(0, at).split("\n").length - 1;
}

/**
 * An up that destroys data makes a rollback by down unclean whatever the down says: once the up
 * has run, the values are gone. Only a restore of a snapshot brings them back, so with snapshots
 * (and a strategy that may restore) it is clean and only noted.
 */
export async function judgeUp(m: Migration, drill: MigrationDrill, schema: string, restorable: boolean) {
  const lost = await lostByUp(m.upSql, m.file, schema);
  if (lost.length === 0) return;
  if (restorable) {
    drill.restorable = lost;
    return;
  }
  drill.findings.push({
    kind: "up-destroys-data",
    message: `the up ${lost.join("; ")}: once it runs, a rollback by its down brings the schema back but not those values; only a restore can (set snapshot: dump or pitr on the component)`,
    details: lost,
  });
}

export async function judgeDown(
  m: Migration,
  drill: MigrationDrill,
  policy: DataLossPolicy,
  schema: string,
  db?: Queryable,
): Promise<void> {
  let statements;
  try {
    statements = await classifyScript(m.downSql ?? "", m.downFile ?? m.file, schema, db);
  } catch (e) {
    drill.findings.push({
      kind: "down-fails",
      message: `the down script cannot be parsed: ${e instanceof Error ? e.message : String(e)}`,
    });
    return;
  }
  const lost: string[] = [];
  const offset = await lineOffset(m);
  const file = basename(m.downFile ?? m.file);
  for (const s of statements) {
    if (s.class === "safe") continue;
    const where = `${file} line ${offset + s.line}: ${s.reason}`;
    if (s.class === "destructive" && policy === "archive" && archivable(s)) drill.archived.push(where);
    else lost.push(where);
  }
  if (lost.length > 0) {
    drill.findings.push({
      kind: "down-loses-data",
      message: `the down loses data (policy ${policy}): ${lost.join("; ")}`,
      details: lost,
    });
  }
}
