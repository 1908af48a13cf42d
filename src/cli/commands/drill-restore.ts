/**
 * `backout drill --restore`: restore-and-replay to a checkpoint (the last good one, or --to) on
 * a scratch database, for every postgres component (or --component) whose checkpoint took a
 * snapshot. Exit 0 when each would be clean, 1 when one would not.
 */
import {
  emptyReport,
  restoreDrillInputFor,
  restoreDrillText,
  runRestoreDrill,
  type RestoreDrillReport,
} from "../../providers/postgres/drill/index.js";
import { pgTarget } from "../../providers/postgres/connection/url.js";
import { openEngine } from "../context.js";
import { EXIT } from "../exit-codes.js";
import { err, out, outJson, redactor } from "../output.js";
import { postgresComponents } from "../postgres-components.js";
import type { DrillOptions } from "./drill.js";

export default async function drillRestore(opts: DrillOptions): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false });
  const { config } = engine;
  let checkpoint;
  try {
    checkpoint = await engine.resolveTarget(opts.to);
  } finally {
    await engine.close();
  }
  const env = {
    baseDir: config.baseDir,
    dataLoss: config.policies.dataLoss,
    redact: (s: string) => redactor.redact(s),
  };
  const reports: RestoreDrillReport[] = [];
  for (const component of postgresComponents(config, opts.component, "drill")) {
    const input = await restoreDrillInputFor(
      component,
      env,
      { id: checkpoint.id, name: checkpoint.name, state: checkpoint.components[component.name] },
      opts.pgBin ?? process.env.BACKOUT_PG_BIN,
    );
    if (typeof input === "string") {
      reports.push(emptyReport(component.name, checkpoint, "dump", [input]));
      continue;
    }
    const scrub = pgTarget(input.url).scrub;
    const report = await runRestoreDrill({ ...input, redact: (t) => env.redact(scrub(t)) });
    reports.push(report);
  }
  const clean = reports.every((r) => r.clean);
  if (opts.json) outJson({ clean, components: reports });
  else {
    out(reports.map(restoreDrillText).join("\n\n"));
    if (!clean) err("a rollback by restore-and-replay would not be clean: see the problems above");
  }
  return clean ? EXIT.ok : EXIT.failed;
}
