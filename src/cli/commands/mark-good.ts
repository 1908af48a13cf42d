import type { CheckpointRecord } from "../../core/model.js";
import { cliActor, openEngine, type GlobalOptions } from "../context.js";
import { out, outJson } from "../output.js";

export default async function markGood(opts: GlobalOptions, [ref]: string[]): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const { checkpoint: cp, isDefault, target } = await engine.markGood(ref ?? "", cliActor(opts));
    if (opts.json) outJson({ ...cp, isDefault, defaultTarget: target?.id ?? null });
    else {
      const what = isDefault
        ? "it is now the default rollback target"
        : `the default rollback target stays ${describe(target)} (newer)`;
      out(`checkpoint ${cp.name} (${cp.id}) is marked good: ${what}`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}

export function describe(cp: CheckpointRecord | undefined): string {
  return cp === undefined ? "none" : `${cp.name} (${cp.id})`;
}
