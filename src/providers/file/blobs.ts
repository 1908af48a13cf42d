import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../../fs/atomic-write.js";

export const SHA256 = /^[0-9a-f]{64}$/;

export function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

export function blobPath(blobsDir: string, sha: string): string {
  return join(blobsDir, sha);
}

export async function hasBlob(blobsDir: string, sha: string): Promise<boolean> {
  try {
    return (await stat(blobPath(blobsDir, sha))).isFile();
  } catch {
    return false;
  }
}

/**
 * Keeps a copy under its own hash (temp file + rename, so a blob is whole or absent), unless
 * it is there already. Private modes: configuration files often hold secrets.
 */
export async function storeBlob(blobsDir: string, content: Buffer): Promise<string> {
  const sha = sha256(content);
  if (await hasBlob(blobsDir, sha)) return sha;
  await mkdir(blobsDir, { recursive: true, mode: 0o700 });
  await writeAtomically({ path: blobPath(blobsDir, sha), content, mode: 0o600 });
  return sha;
}

/** A blob's content, or undefined when it is missing or no longer matches its name (corrupt). */
export async function readBlob(blobsDir: string, sha: string): Promise<Buffer | undefined> {
  let content: Buffer;
  try {
    content = await readFile(blobPath(blobsDir, sha));
  } catch {
    return undefined;
  }
  return sha256(content) === sha ? content : undefined;
}
