import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { dirtyError, trackedChanges } from "./facts.js";
import type { Repo } from "./repo.js";
import type { GitSettings } from "./settings.js";

export interface WorkingCopyCheck {
  /** Untracked files (or directories, ending in "/") the rollback leaves where they are. */
  kept: string[];
}

/**
 * Whether the working copy may be moved from `from` to `to`. Changes to tracked files always
 * refuse (someone's edits are never overwritten). An untracked file refuses only when the move
 * writes or removes its path (reset --hard would overwrite it silently), or with
 * `untracked: any`; any other untracked file is kept and reported. An ignored file refuses only
 * when the move writes exactly its path.
 */
export async function checkWorkingCopy(
  repo: Repo,
  settings: GitSettings,
  from: string,
  to: string,
): Promise<WorkingCopyCheck> {
  const tracked = await trackedChanges(repo);
  if (tracked.length > 0) throw dirtyError(repo, tracked);
  const untracked = await untrackedEntries(repo);
  const touched = from === to ? [] : await touchedPaths(repo, from, to);
  const blocking =
    settings.untracked === "any" ? untracked : untracked.filter((entry) => touches(touched, entry));
  const ignoredInTheWay = await ignoredAtWrittenPaths(repo, from, to, new Set(untracked));
  if (blocking.length + ignoredInTheWay.length > 0) {
    const why =
      settings.untracked === "any"
        ? "has untracked files (untracked: any)"
        : "has untracked or ignored files at paths the rollback writes or removes";
    throw dirtyError(repo, [...blocking, ...ignoredInTheWay], why);
  }
  return { kept: untracked };
}

/** "N untracked file(s) kept: a, b, …" for the plan and the step output; "" when there are none. */
export function keptText(kept: string[]): string {
  if (kept.length === 0) return "";
  const shown = kept.slice(0, 5).join(", ");
  return `${kept.length} untracked file(s) kept: ${shown}${kept.length > 5 ? ", …" : ""}`;
}

/** Untracked, not ignored; a wholly untracked directory is one entry ending in "/". */
async function untrackedEntries(repo: Repo): Promise<string[]> {
  const out = await repo.run(["ls-files", "-z", "--others", "--exclude-standard", "--directory"]);
  return out.split("\0").filter((p) => p !== "");
}

/** Paths that differ between the two commits: what the move writes or removes. */
async function touchedPaths(repo: Repo, from: string, to: string): Promise<string[]> {
  const out = await repo.run(["diff", "--name-only", "-z", "--no-renames", from, to, "--"]);
  return out.split("\0").filter((p) => p !== "");
}

/** The entry is a touched path, lies under one (a file becoming a directory), or holds one. */
function touches(touched: string[], entry: string): boolean {
  const e = entry.endsWith("/") ? entry.slice(0, -1) : entry;
  return touched.some((q) => q === e || q.startsWith(`${e}/`) || e.startsWith(`${q}/`));
}

/** Files the move adds that already exist on disk although git lists them nowhere: ignored ones. */
async function ignoredAtWrittenPaths(
  repo: Repo,
  from: string,
  to: string,
  untracked: ReadonlySet<string>,
): Promise<string[]> {
  if (from === to) return [];
  const out = await repo.run([
    "diff",
    "--name-only",
    "-z",
    "--no-renames",
    "--diff-filter=A",
    from,
    to,
    "--",
  ]);
  const added = out.split("\0").filter((p) => p !== "" && !untracked.has(p));
  const found: string[] = [];
  for (const path of added) {
    const present = await lstat(join(repo.dir, path)).then(
      () => true,
      () => false,
    );
    if (present) found.push(path);
  }
  return found;
}
