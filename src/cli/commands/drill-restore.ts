/**
 * `backout drill --restore`: restore-and-replay to a checkpoint (the last good one, or --to) on
 * a scratch database, for every component whose kind can drill (postgres), or --component,
 * whose checkpoint took a snapshot. Exit 0 when each would be clean, 1 when one would not.
 */
import { capableComponents } from "../capable-components.js";
import { openEngine } from "../context.js";
import { printDrills, type DrillOptions, type DrillResult } from "./drill.js";

export default async function drillRestore(opts: DrillOptions): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false });
  const { config } = engine;
  let checkpoint;
  try {
    checkpoint = await engine.resolveTarget(opts.to);
  } finally {
    await engine.close();
  }
  const pgBin = opts.pgBin ?? process.env.BACKOUT_PG_BIN;
  const results: DrillResult[] = [];
  for (const { component, provider } of capableComponents(
    config,
    engine.providers,
    "drill",
    opts.component,
    "drill",
  )) {
    const result = await provider.drill?.(engine.context(component), {
      mode: "restore",
      sampleRows: 0,
      ...(pgBin ? { pgBin } : {}),
      checkpoint: { id: checkpoint.id, name: checkpoint.name, state: checkpoint.components[component.name] },
    });
    if (result) results.push({ ...result, component: component.name });
  }
  return printDrills(results, opts.json);
}
