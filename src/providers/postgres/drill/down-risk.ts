/**
 * Would this down lose data? Helper C's classifier (the real PostgreSQL parser) says which
 * statements are destructive or opaque. Under the archive policy, destructive statements the
 * archive can copy keep their data and are clean; opaque ones never are (nobody can say what
 * they destroy).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { DataLossPolicy } from "../../../core/model.js";
import type { Queryable } from "../db.js";
import type { Migration } from "../layouts/layout.js";
import { archivable } from "../policy.js";
import { classifyScript } from "../sql/classify.js";
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
