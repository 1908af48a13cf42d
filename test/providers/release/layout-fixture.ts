import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * Makes <root>/releases/<name>/ for each name and points <root>/current at `current`
 * (default: the last name; null: no link) with a relative link.
 */
export function makeReleases(
  root: string,
  names: string[],
  current: string | null | undefined = names.at(-1),
): void {
  for (const n of names) mkdirSync(join(root, "releases", n), { recursive: true });
  if (current !== null && current !== undefined) symlinkSync(`releases/${current}`, join(root, "current"));
}
