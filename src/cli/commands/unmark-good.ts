import { cliActor, openEngine, type GlobalOptions } from "../context.js";
import { out, outJson } from "../output.js";
import { describe } from "./mark-good.js";

export default async function unmarkGood(opts: GlobalOptions, [ref]: string[]): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const { checkpoint: cp, wasGood, target } = await engine.unmarkGood(ref ?? "", cliActor(opts));
    if (opts.json) outJson({ ...cp, wasGood, defaultTarget: target?.id ?? null });
    else {
      const head = wasGood ? "is no longer marked good" : "was not marked good";
      out(`checkpoint ${cp.name} (${cp.id}) ${head}; the default rollback target is ${describe(target)}`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}
