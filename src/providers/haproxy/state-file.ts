import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { Servers } from "./server-state.js";
import { parseStateDump } from "./state-dump.js";

/**
 * Writes the dump next to the target and renames it over: HAProxy (re)loading at any moment
 * reads either the old file or the new one, never half of one.
 */
export async function writeStateFile(path: string, dump: string, where: ErrorLocation): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.backout-${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(tmp, dump, { mode: 0o644 });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    const reason = e instanceof Error ? e.message : String(e);
    throw new BackoutError("PROVIDER_FAILED", `cannot write the server-state file ${path}: ${reason}`, {
      where: { ...where, field: "stateFile" },
      cause: e,
      retryable: false,
      hint: "The runtime change is made but would not survive a reload: let backout write `stateFile` (its directory must exist), then resume.",
    });
  }
}

/** The backend's servers as the state file records them; undefined when the file is missing or unreadable. */
export async function readStateFile(path: string, backend: string): Promise<Servers | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  const rows = parseStateDump(text);
  if (rows === undefined) return undefined;
  const out: Servers = {};
  for (const row of rows) {
    if (row.backend === backend) out[row.server] = { state: row.state, weight: row.weight };
  }
  return out;
}
