import { open } from "node:fs/promises";

/**
 * fsyncs a directory so a rename in it survives a power cut. Best effort: some file systems
 * refuse fsync on a directory, and the atomicity of the rename does not depend on it.
 */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability is a bonus here; atomicity does not depend on it.
  }
}
