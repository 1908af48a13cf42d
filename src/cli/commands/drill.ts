/**
 * `backout drill`: prove, before it is needed, that the database rollback works. For every
 * component whose kind can drill (postgres), or --component, the pending migrations go up, down
 * and up again on a scratch copy; exit 0 when every rollback would be clean, 1 when one would
 * not (CI gates a deploy on it), 2 for a bad command line or environment file.
 */
import { resolve } from "node:path";
import { loadEnvironment } from "../../config/load.js";
import { systemClock } from "../../core/clock.js";
import { BackoutError } from "../../core/errors.js";
import type { CapabilityResult } from "../../core/provider.js";
import { providerContext } from "../../core/provider-context.js";
import { builtinProviders } from "../../providers/builtin.js";
import { capableComponents } from "../capable-components.js";
import type { GlobalOptions } from "../context.js";
import { recordDrills } from "../doctor/drill-record.js";
import { EXIT } from "../exit-codes.js";
import { err, out, outJson, redactor } from "../output.js";

export interface DrillOptions extends GlobalOptions {
  component?: string;
  sampleRows?: string;
  pgBin?: string;
  sample?: boolean;
  restore?: boolean;
  to?: string;
}

export type DrillResult = CapabilityResult & { clean: boolean; component: string };

function sampleRows(text: string | undefined): number {
  const n = Number(text ?? "1000");
  if (!Number.isInteger(n) || n < 0) {
    throw new BackoutError("USAGE", `--sample-rows must be a whole number of rows, not "${text}"`, {
      hint: "For example --sample-rows 1000 (the default).",
    });
  }
  return n;
}

/** Prints the drills' results; exit 1 when one would not be clean. */
export function printDrills(results: DrillResult[], json: boolean | undefined): number {
  const clean = results.every((r) => r.clean);
  if (json) outJson({ clean, components: results.map((r) => r.json) });
  else {
    out(results.map((r) => r.text).join("\n\n"));
    const hints = new Set(results.filter((r) => !r.clean && r.hint).map((r) => r.hint));
    for (const hint of hints) if (hint) err(hint);
  }
  return clean ? EXIT.ok : EXIT.failed;
}

export default async function drill(opts: DrillOptions): Promise<number> {
  if (opts.restore) return (await import("./drill-restore.js")).default(opts);
  const providers = builtinProviders();
  const config = loadEnvironment(resolve(opts.config), { providers, redactor });
  const chosen = capableComponents(config, providers, "drill", opts.component, "drill");
  const pgBin = opts.pgBin ?? process.env.BACKOUT_PG_BIN;
  const results: DrillResult[] = [];
  for (const { component, provider } of chosen) {
    const ctx = providerContext({ config, component, redactor, clock: systemClock, env: process.env });
    const result = await provider.drill?.(ctx, {
      mode: "migrations",
      sampleRows: sampleRows(opts.sampleRows),
      ...(pgBin ? { pgBin } : {}),
      ...(opts.sample ? { forceSample: true } : {}),
    });
    if (result) results.push({ ...result, component: component.name });
  }
  // `backout doctor` reports how old the last proof is.
  await recordDrills(
    config.store.path,
    Object.fromEntries(results.map((r) => [r.component, { at: Date.now(), clean: r.clean }])),
  );
  return printDrills(results, opts.json);
}
