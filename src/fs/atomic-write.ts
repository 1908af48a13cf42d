import { randomBytes } from "node:crypto";
import { link, mkdir, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { isErrno } from "./errno.js";
import { syncDirectory } from "./sync-directory.js";

export interface WriteRequest {
  path: string;
  content: Buffer;
  mode: number;
  uid?: number;
  gid?: number;
  /**
   * False: never replace an existing file. The complete file is linked into place with link(2),
   * which fails with EEXIST (nothing written) when the name exists, even if it appeared meanwhile.
   */
  replace?: boolean;
}

/**
 * Replaces a file without a moment where it is partial or missing: the content goes to a
 * temp file in the same directory (same file system), with its mode and owner, is fsynced,
 * and rename(2) swaps it in. Returns a note when the owner could not be kept.
 */
export async function writeAtomically(req: WriteRequest): Promise<string | undefined> {
  const dir = dirname(req.path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(req.path)}.backout-${process.pid}-${randomBytes(6).toString("hex")}`);
  let note: string | undefined;
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(req.content);
    await handle.chmod(req.mode); // explicit: open()'s mode is filtered by the umask
    note = await keepOwner(handle, req);
    await handle.sync();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  try {
    if (req.replace === false) {
      await link(tmp, req.path);
      await unlink(tmp);
    } else await rename(tmp, req.path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(dir);
  return note;
}

/** Removes a file (already gone is fine) and makes the removal durable. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return false;
    throw e;
  }
  await syncDirectory(dirname(path));
  return true;
}

type Handle = Awaited<ReturnType<typeof open>>;

// Only root may give a file away; anyone else keeps the content and mode and is told.
async function keepOwner(handle: Handle, req: WriteRequest): Promise<string | undefined> {
  if (req.uid === undefined || req.gid === undefined) return undefined;
  const st = await handle.stat();
  if (st.uid === req.uid && st.gid === req.gid) return undefined;
  try {
    await handle.chown(req.uid, req.gid);
    return undefined;
  } catch (e) {
    if (isErrno(e, "EPERM") || isErrno(e, "EINVAL")) {
      return `owner ${req.uid}:${req.gid} not kept (backout runs as ${st.uid}:${st.gid})`;
    }
    throw e;
  }
}
