import { lstat, readFile, realpath } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { isErrno } from "../../fs/errno.js";
import { sha256 } from "./blobs.js";

export const ABSENT = "absent";

/** What a checkpoint keeps about one file (plain JSON). */
export interface FileFacts {
  /** sha256 of the content, or "absent". */
  sha: string;
  /** Permission bits in octal ("0644"); absent files have none. */
  mode?: string;
  uid?: number;
  gid?: number;
}

export interface Snapshot {
  facts: FileFacts;
  content: Buffer | undefined;
  /** The path written on restore: the file itself, or the file a symlink points at. */
  real: string;
}

export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
}

/**
 * Reads one file through symlinks (a restore then rewrites the real file and keeps the link).
 * ENOENT is "absent"; anything that is not a regular file is an error for the caller.
 */
export async function snapshot(abs: string): Promise<Snapshot> {
  let real = abs;
  try {
    if ((await lstat(abs)).isSymbolicLink()) real = await realpath(abs);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return { facts: { sha: ABSENT }, content: undefined, real };
    throw e;
  }
  let content: Buffer;
  try {
    content = await readFile(real);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return { facts: { sha: ABSENT }, content: undefined, real };
    throw e;
  }
  const st = await lstat(real);
  const mode = `0${(st.mode & 0o7777).toString(8).padStart(3, "0")}`;
  return { facts: { sha: sha256(content), mode, uid: st.uid, gid: st.gid }, content, real };
}

export function sameFacts(a: FileFacts | undefined, b: FileFacts): boolean {
  if (a === undefined || a.sha !== b.sha) return false;
  return b.sha === ABSENT || b.mode === undefined || a.mode === b.mode;
}
