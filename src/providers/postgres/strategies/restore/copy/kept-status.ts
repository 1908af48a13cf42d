/**
 * For `backout status`: how many pre-rollback copies each restore-and-replay component keeps
 * and the disk they take. A database that cannot be reached says so instead of failing status.
 */
import { isAbsolute, resolve } from "node:path";
import type { ComponentConfig } from "../../../../../core/model.js";
import { pgTarget } from "../../../connection/url.js";
import { connectAdmin } from "./admin.js";
import { keptDatabases, keptDirectories } from "./kept.js";

export interface KeptStatus {
  component: string;
  count: number;
  bytes: number;
  /** Why the copies could not be counted (the database is down...). */
  error?: string;
}

/** Undefined for a component that keeps no copies (no snapshot: it never restores). */
export async function keptStatusOf(
  c: ComponentConfig,
  baseDir: string,
  redact: (t: string) => string,
): Promise<KeptStatus | undefined> {
  if ((c.settings.snapshot ?? "none") === "none") return undefined;
  const url = String(c.settings.url);
  const scrub = (t: string): string => redact(pgTarget(url).scrub(t));
  const pitr = c.settings.pitr as { dataDir?: unknown } | undefined;
  const dataDir = typeof pitr?.dataDir === "string" ? pitr.dataDir : undefined;
  const dirs = dataDir ? keptDirectories(isAbsolute(dataDir) ? dataDir : resolve(baseDir, dataDir)) : [];
  let copies = dirs;
  let error: string | undefined;
  try {
    const admin = await connectAdmin(url, scrub);
    try {
      copies = [...(await keptDatabases(admin)), ...dirs];
    } finally {
      await admin.client.end().catch(() => undefined);
    }
  } catch (e) {
    error = scrub(e instanceof Error ? e.message : String(e));
  }
  return {
    component: c.name,
    count: copies.length,
    bytes: copies.reduce((n, k) => n + k.bytes, 0),
    ...(error === undefined ? {} : { error }),
  };
}

/** One line for the text output of `status`. */
export function keptStatusLine(k: KeptStatus): string {
  return k.error !== undefined
    ? `kept pre-rollback copies of ${k.component}: unknown (${k.error})`
    : `kept pre-rollback copies of ${k.component}: ${k.count}${k.count > 0 ? ` (${(k.bytes / 1048576).toFixed(1)} MiB; \`backout archive prune\` removes them)` : ""}`;
}
