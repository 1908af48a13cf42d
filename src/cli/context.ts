import { resolve } from "node:path";
import { loadEnvironment } from "../config/load.js";
import type { EnvironmentConfig } from "../config/types.js";
import { Engine } from "../core/engine.js";
import { findInterrupted } from "../core/rollbacks.js";
import { builtinProviders } from "../providers/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { err, redactor } from "./output.js";
import { checkRunner, notifier } from "./wiring.js";

export interface GlobalOptions {
  config: string;
  json?: boolean;
}

/** The composition root: config, providers, store and engine for one command. */
export async function openEngine(opts: GlobalOptions, { warnInterrupted = true } = {}): Promise<Engine> {
  const providers = builtinProviders();
  const config: EnvironmentConfig = loadEnvironment(resolve(opts.config), { providers, redactor });
  const store = openSqliteStore(config.store.path);
  const notify = notifier(config, redactor);
  const engine = new Engine({
    config,
    store,
    providers,
    redactor,
    checks: checkRunner(),
    ...(notify ? { notify } : {}),
  });
  if (warnInterrupted) {
    for (const { record, why } of await findInterrupted(engine)) {
      err(
        `warning: rollback ${record.id} (${record.state}) was interrupted: ${why}.\n` +
          `  resume it with \`backout resume ${record.id}\`, or \`backout cancel ${record.id}\`.`,
      );
    }
  }
  return engine;
}
