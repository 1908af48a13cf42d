import { randomBytes } from "node:crypto";
import { rename, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type Layout, linkTextFor } from "./layout.js";
import { syncDirectory } from "../../fs/sync-directory.js";

/**
 * Points `current` at releases/<name> without a moment where it is missing: the new link is
 * made under a unique temporary name beside it, then rename(2) replaces `current` in one step.
 * Readers see either the old release or the new one, never ENOENT.
 */
export async function swapCurrent(layout: Layout, name: string): Promise<void> {
  const tmp = join(layout.root, `current.tmp-${process.pid}-${randomBytes(6).toString("hex")}`);
  await symlink(linkTextFor(name), tmp);
  try {
    await rename(tmp, layout.current);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDirectory(layout.root);
}
