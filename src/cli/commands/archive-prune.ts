/**
 * `backout archive prune`: removes the pre-rollback copies restore-and-replay kept (databases
 * `<db>__before_<id>`, PITR data directories `<dataDir>__before_<id>`) for every component whose
 * kind archives (postgres), or --component. --dry-run lists them; --rollback and --older-than narrow the choice.
 */
import { resolve } from "node:path";
import { parseDuration } from "../../config/durations.js";
import { loadEnvironment } from "../../config/load.js";
import { BackoutError } from "../../core/errors.js";
import { systemClock } from "../../core/clock.js";
import type { CapabilityResult } from "../../core/provider.js";
import { providerContext } from "../../core/provider-context.js";
import { builtinProviders } from "../../providers/builtin.js";
import type { GlobalOptions } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { capableComponents } from "../capable-components.js";
import { out, outJson, redactor } from "../output.js";

export interface ArchivePruneOptions extends GlobalOptions {
  component?: string;
  rollback?: string;
  olderThan?: string;
  dryRun?: boolean;
}

function olderThanMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new BackoutError("USAGE", `--older-than must be a duration like 7d, 12h or 30m, not "${text}"`, {
      hint: "For example --older-than 7d: only copies kept for more than seven days are removed.",
    });
  }
  return ms;
}

export default async function archivePrune(opts: ArchivePruneOptions): Promise<number> {
  const providers = builtinProviders();
  const config = loadEnvironment(resolve(opts.config), { providers, redactor });
  const chosen = capableComponents(config, providers, "archive", opts.component, "prune");
  // Parsed once, before anything is removed.
  const olderThan = olderThanMs(opts.olderThan);
  const results: CapabilityResult[] = [];
  for (const { component, provider } of chosen) {
    const ctx = providerContext({ config, component, redactor, clock: systemClock, env: process.env });
    const result = await provider.archive?.(ctx, {
      action: "prune",
      ...(opts.rollback ? { rollback: opts.rollback } : {}),
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(olderThan === undefined ? {} : { olderThanMs: olderThan }),
    });
    if (result) results.push(result);
  }
  if (opts.json) outJson({ dryRun: opts.dryRun === true, components: results.map((r) => r.json) });
  else out(results.map((r) => r.text).join("\n"));
  return EXIT.ok;
}
