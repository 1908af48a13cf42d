/**
 * A swap whose restart or health check has not passed yet leaves `current` ahead of what
 * runs. backout records that in `<path>/.backout-pending` before the swap and removes it once
 * the release is healthy, so capture reports the release still believed to run and a later
 * plan restarts again instead of calling the component up to date.
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeAtomically } from "../../fs/atomic-write.js";
import type { Layout } from "./layout.js";

export interface PendingSwitch {
  /** The release that ran before the swap (undefined when `current` was missing). */
  from: string | undefined;
  to: string;
}

function fileOf(layout: Layout): string {
  return join(layout.root, ".backout-pending");
}

export async function readPending(layout: Layout): Promise<PendingSwitch | undefined> {
  try {
    const parsed = JSON.parse(await readFile(fileOf(layout), "utf8")) as Partial<PendingSwitch>;
    return typeof parsed.to === "string" ? { from: parsed.from, to: parsed.to } : undefined;
  } catch {
    return undefined;
  }
}

/** Written atomically; an existing record for the same target keeps its original `from`. */
export async function markPending(layout: Layout, next: PendingSwitch): Promise<void> {
  const existing = await readPending(layout);
  const record = existing?.to === next.to ? existing : next;
  await writeAtomically({ path: fileOf(layout), content: Buffer.from(JSON.stringify(record)), mode: 0o644 });
}

export async function clearPending(layout: Layout): Promise<void> {
  await rm(fileOf(layout), { force: true });
}
