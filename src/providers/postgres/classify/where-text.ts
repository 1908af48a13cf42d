/**
 * The text of a DELETE's or UPDATE's WHERE clause. The parser gives the clause's tree but not
 * its extent, so each candidate span after a WHERE keyword is parsed again on its own and kept
 * only if its tree equals the original's: the text is then exactly the user's condition, with
 * nothing before or after it (no RETURNING, no second statement).
 */
import { type Json, nodeOf, obj, withoutLocations } from "./ast.js";

function keywordIndexes(text: string, word: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`\\b${word}\\b`, "gi");
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m.index);
  return out;
}

async function reparsedWhere(condition: string): Promise<string | undefined> {
  try {
    const result = (await (
      await import("libpg-query")
    ).parse(`DELETE FROM backout_probe WHERE ${condition}`)) as { stmts?: Json[] };
    const stmts = result.stmts ?? [];
    if (stmts.length !== 1) return undefined;
    const [kind, node] = nodeOf(obj(stmts[0]).stmt);
    // Anything besides the condition (RETURNING, USING...) means the span ran past it.
    if (kind !== "DeleteStmt" || Object.keys(node).some((k) => k !== "relation" && k !== "whereClause")) {
      return undefined;
    }
    return JSON.stringify(withoutLocations(node.whereClause));
  } catch {
    return undefined;
  }
}

/** The WHERE condition's text in `sql`, or undefined when no span reproduces `whereClause`. */
export async function whereText(sql: string, whereClause: Json | undefined): Promise<string | undefined> {
  if (whereClause === undefined || whereClause === null) return undefined;
  const wanted = JSON.stringify(withoutLocations(whereClause));
  const returning = keywordIndexes(sql, "returning");
  // The last WHERE keyword first: the statement's own WHERE follows any in subqueries of SET/FROM.
  for (const at of keywordIndexes(sql, "where").reverse()) {
    const from = at + "where".length;
    const ends = [sql.length, ...returning.filter((r) => r > from)];
    for (const end of ends) {
      const candidate = sql.slice(from, end).trim();
      if (candidate && (await reparsedWhere(candidate)) === wanted) return candidate;
    }
  }
  return undefined;
}
