import { BackoutError } from "../../core/errors.js";
import type { ArchiveRequest } from "../../core/provider.js";
import { oneCapableComponent } from "../capable-components.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson } from "../output.js";

interface ArchiveOptions extends GlobalOptions {
  component?: string;
  rollback?: string;
  intoTable?: string;
  force?: boolean;
  limit?: string;
  olderThan?: string;
  dryRun?: boolean;
}

const BROWSE = new Set(["list", "show", "restore"]);

/**
 * `backout archive list|show|restore`: the data a rollback archived under the `archive` policy,
 * asked of the provider of the one component (or --component) whose kind archives (postgres).
 */
export default async function archive(opts: ArchiveOptions, [action, name]: string[]): Promise<number> {
  if (action === "prune") return (await import("./archive-prune.js")).default(opts);
  const engine = await openEngine(opts, { warnInterrupted: false });
  let chosen;
  try {
    chosen = oneCapableComponent(engine.config, engine.providers, "archive", opts.component);
  } finally {
    await engine.close();
  }
  if (!action || !BROWSE.has(action)) {
    throw new BackoutError("USAGE", `unknown archive action "${action ?? ""}"`, {
      hint: "use list, show or restore",
    });
  }
  const request: ArchiveRequest = {
    action: action as ArchiveRequest["action"],
    ...(name ? { name } : {}),
    ...(opts.rollback ? { rollback: opts.rollback } : {}),
    ...(opts.intoTable ? { intoTable: opts.intoTable } : {}),
    ...(opts.force ? { force: true } : {}),
    ...(Number(opts.limit) ? { limit: Number(opts.limit) } : {}),
  };
  const result = await chosen.provider.archive?.(engine.context(chosen.component), request);
  if (result) {
    if (opts.json) outJson(result.json);
    else out(result.text);
  }
  return 0;
}
