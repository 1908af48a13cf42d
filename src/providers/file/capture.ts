import { BackoutError } from "../../core/errors.js";
import type { ComponentState } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { storeBlob } from "./blobs.js";
import { readSettings, type FileSettings } from "./settings.js";
import { resolvePath, snapshot, type Snapshot } from "./snapshot.js";
import { type FileMap, stateOf } from "./state.js";

/** Hashes every listed file and keeps a copy of its content in the blob store. */
export async function captureFiles(ctx: ProviderContext<FileSettings>): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const blobs = resolvePath(ctx.baseDir, settings.blobs);
  const files: FileMap = {};
  for (const path of settings.files) {
    const snap = await readOrFail(ctx, path);
    if (snap.content !== undefined) await storeOrFail(ctx, blobs, snap.content);
    files[path] = snap.facts;
  }
  return stateOf(files);
}

export async function readOrFail(
  ctx: ProviderContext<FileSettings>,
  path: string,
  step?: string,
): Promise<Snapshot> {
  try {
    return await snapshot(resolvePath(ctx.baseDir, path));
  } catch (e) {
    throw new BackoutError("PROVIDER_FAILED", ctx.redact(`cannot read ${path}: ${reason(e)}`), {
      where: { component: ctx.component.name, step, field: "files" },
      cause: e,
      hint: "Each entry of files must be a regular file (or absent) that backout may read.",
    });
  }
}

export async function storeOrFail(
  ctx: ProviderContext<FileSettings>,
  blobs: string,
  content: Buffer,
  step?: string,
): Promise<string> {
  try {
    return await storeBlob(blobs, content);
  } catch (e) {
    throw new BackoutError("PROVIDER_FAILED", ctx.redact(`cannot keep a copy in ${blobs}: ${reason(e)}`), {
      where: { component: ctx.component.name, step, field: "blobs" },
      cause: e,
      retryable: true,
      hint: "Check that backout may write the blobs directory and that the disk is not full.",
    });
  }
}

export function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
