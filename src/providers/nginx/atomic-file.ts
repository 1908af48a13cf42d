import { readFile, unlink } from "node:fs/promises";
import { writeAtomically } from "../../fs/atomic-write.js";
import { isErrno } from "../../fs/errno.js";

/** The file's text, or undefined when it does not exist. Other errors are thrown. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if (isErrno(e, "ENOENT")) return undefined;
    throw e;
  }
}

/**
 * Replaces `path` in one step (temp file in the same directory, fsync, rename(2)): an nginx
 * reading the include at any moment sees the old text or the new one, never half.
 */
export async function writeAtomic(path: string, text: string): Promise<void> {
  await writeAtomically({ path, content: Buffer.from(text, "utf8"), mode: 0o644 });
}

/** Puts back what was there before: the old text, or no file at all. */
export async function restoreFile(path: string, previous: string | undefined): Promise<void> {
  if (previous === undefined) await unlink(path).catch(() => undefined);
  else await writeAtomic(path, previous);
}
