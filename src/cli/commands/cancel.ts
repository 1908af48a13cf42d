import { cancelRollback } from "../../core/rollbacks.js";
import { cliIdentity, openEngine, type GlobalOptions } from "../context.js";
import { out } from "../output.js";

export default async function cancel(opts: GlobalOptions, [id]: string[]): Promise<number> {
  const engine = await openEngine(opts, { warnInterrupted: false });
  try {
    await cancelRollback(engine, id ?? "", cliIdentity(opts));
    out(`rollback ${id} cancelled; the environment is free`);
    return 0;
  } finally {
    await engine.close();
  }
}
