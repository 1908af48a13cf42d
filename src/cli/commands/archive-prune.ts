/**
 * `backout archive prune`: removes the pre-rollback copies restore-and-replay kept (databases
 * `<db>__before_<id>`, PITR data directories `<dataDir>__before_<id>`) for every postgres
 * component, or --component. --dry-run lists them; --rollback and --older-than narrow the choice.
 */
import { isAbsolute, resolve } from "node:path";
import { parseDuration } from "../../config/durations.js";
import { loadEnvironment } from "../../config/load.js";
import { BackoutError } from "../../core/errors.js";
import { pruneKept } from "../../providers/postgres/strategies/restore/copy/index.js";
import { pgTarget } from "../../providers/postgres/connection/url.js";
import { builtinProviders } from "../../providers/index.js";
import type { GlobalOptions } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { postgresComponents } from "../postgres-components.js";
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
  const config = loadEnvironment(resolve(opts.config), { providers: builtinProviders(), redactor });
  const chosen = postgresComponents(config, opts.component, "prune");
  // Parsed once, before anything is removed.
  const olderThan = olderThanMs(opts.olderThan);
  const results: { component: string; removed: string[] }[] = [];
  for (const c of chosen) {
    const url = String(c.settings.url);
    const scrub = pgTarget(url).scrub;
    const pitr = c.settings.pitr as { dataDir?: unknown } | undefined;
    const dataDir = typeof pitr?.dataDir === "string" ? pitr.dataDir : undefined;
    const removed = await pruneKept(url, {
      redact: (t) => redactor.redact(scrub(t)),
      ...(opts.rollback ? { rollbackId: opts.rollback } : {}),
      ...(opts.dryRun ? { dryRun: true } : {}),
      ...(dataDir ? { dataDir: isAbsolute(dataDir) ? dataDir : resolve(config.baseDir, dataDir) } : {}),
      ...(olderThan === undefined ? {} : { olderThanMs: olderThan }),
    });
    results.push({ component: c.name, removed });
  }
  if (opts.json) outJson({ dryRun: opts.dryRun === true, components: results });
  else {
    const verb = opts.dryRun ? "would remove" : "removed";
    out(
      results
        .map(
          (r) => `${r.component}: ${r.removed.length ? `${verb} ${r.removed.join(", ")}` : "nothing kept"}`,
        )
        .join("\n"),
    );
  }
  return EXIT.ok;
}
