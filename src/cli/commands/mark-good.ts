import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson } from "../output.js";

export default async function markGood(opts: GlobalOptions, [ref]: string[]): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const cp = await engine.markGood(ref ?? "");
    if (opts.json) outJson(cp);
    else out(`checkpoint ${cp.name} (${cp.id}) is marked good: it is now the default rollback target`);
    return 0;
  } finally {
    await engine.store.close();
  }
}
