/**
 * The pre-rollback copies restores kept: databases `<db>__before_<tag>` (dump mode) and data
 * directories `<dataDir>__before_<tag>` (PITR), only those carrying backout's marker, with the
 * rollback that kept them, when, and how much disk they take. Prune and `status` read this list.
 */
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Admin } from "./admin.js";
import { parseBeforeMark, readKeptDir } from "./markers.js";
import { BEFORE_INFIX, beforePrefix } from "./names.js";

export interface KeptCopy {
  kind: "database" | "directory";
  /** Database name or directory path. */
  name: string;
  rollbackId: string;
  at: Date;
  bytes: number;
}

export async function keptDatabases(admin: Admin): Promise<KeptCopy[]> {
  const { rows } = await admin.client.query<{ datname: string; comment: string | null; bytes: string }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS comment, pg_database_size(oid)::text AS bytes
       FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname`,
    [beforePrefix(admin.live)],
  );
  const kept: KeptCopy[] = [];
  for (const row of rows) {
    const mark = parseBeforeMark(row.comment);
    if (mark) kept.push({ kind: "database", name: row.datname, ...mark, bytes: Number(row.bytes) });
  }
  return kept;
}

export function keptDirectories(dataDir: string): KeptCopy[] {
  const parent = dirname(dataDir);
  const prefix = `${basename(dataDir)}${BEFORE_INFIX}`;
  if (!existsSync(parent)) return [];
  const kept: KeptCopy[] = [];
  for (const name of readdirSync(parent).sort()) {
    if (!name.startsWith(prefix)) continue;
    const dir = join(parent, name);
    const mark = readKeptDir(dir);
    if (mark) kept.push({ kind: "directory", name: dir, ...mark, bytes: diskUse(dir) });
  }
  return kept;
}

/** The copies beyond the `keep` newest (by the time their marker records). */
export function beyondNewest(copies: KeptCopy[], keep: number): KeptCopy[] {
  return [...copies].sort((a, b) => b.at.getTime() - a.at.getTime()).slice(keep);
}

/** Bytes of the files under `path` (symlinks not followed). */
function diskUse(path: string): number {
  let total = 0;
  const stack = [path];
  for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue; // removed meanwhile
    }
    if (st.isDirectory()) {
      for (const child of readdirSync(p)) stack.push(join(p, child));
    } else {
      total += st.size;
    }
  }
  return total;
}
