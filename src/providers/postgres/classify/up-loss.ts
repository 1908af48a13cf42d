/**
 * Loss that already happened: what the UP of an applied migration destroyed (a dropped column
 * or table, a lossy type change, an UPDATE or DELETE of existing data). Reverting it with its
 * down brings the schema back, never the values: only a restore of a snapshot taken before the
 * up ran can. Plan, drill and report say so, and `strategy: auto` restores when it can.
 */
import { describeTarget } from "./risk.js";
import { classifyScript } from "./classify.js";

/** "drops column users.nickname", one per destructive target of the up; [] when nothing was lost. */
export async function lostByUp(upSql: string | undefined, file: string, schema: string): Promise<string[]> {
  if (upSql === undefined || upSql.trim() === "") return [];
  let statements;
  try {
    statements = await classifyScript(upSql, file, schema);
  } catch {
    // The tool ran it, so it is valid for the server; a parser disagreement is no news about loss.
    return [];
  }
  const lost = statements
    .filter((s) => s.class === "destructive")
    .flatMap((s) => s.targets.map(describeTarget));
  return [...new Set(lost)];
}

/** The sentence plan, drill and report use. */
export function lostByUpText(version: string, lost: string[]): string {
  return `the up of ${version} already destroyed data (${lost.join("; ")}): the down brings the schema back, not those values; only a restore of a snapshot taken before it ran can`;
}
