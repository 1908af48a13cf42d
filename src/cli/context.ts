import { resolve } from "node:path";
import { loadEnvironment } from "../config/load.js";
import type { EnvironmentConfig } from "../config/types.js";
import { Engine } from "../core/engine.js";
import { assertNotInsideStep } from "../core/nesting.js";
import { findInterrupted } from "../core/rollbacks.js";
import { builtinProviders } from "../providers/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { err, redactor } from "./output.js";
import { checkRunner, notificationOutbox } from "./wiring.js";

export interface GlobalOptions {
  config: string;
  json?: boolean;
}

/** The composition root: config, providers, store and engine for one command. */
/**
 * `readOnly`: the command only reads (status, history, show, report, plan, checkpoints). Every
 * other command refuses to run inside a rollback's step (NESTED_ROLLBACK) before its first write.
 */
export async function openEngine(
  opts: GlobalOptions,
  { warnInterrupted = true, readOnly = false } = {},
): Promise<Engine> {
  const providers = builtinProviders();
  const config: EnvironmentConfig = loadEnvironment(resolve(opts.config), { providers, redactor });
  const opened = openSqliteStore(config.store.path);
  if (!readOnly) {
    try {
      await assertNotInsideStep(opened);
    } catch (e) {
      await opened.close();
      throw e;
    }
  }
  const notifications = await notificationOutbox(config, redactor, opened);
  const delivery = notifications?.delivery;
  // Every command closes the store when its work is done: that is when delivery is flushed
  // (bounded by policies.notifications.flush) and what is left is journalled as undelivered.
  const store = delivery
    ? Object.assign(Object.create(opened) as typeof opened, {
        close: async () => {
          await delivery.finish();
          await opened.close();
        },
      })
    : opened;
  const engine = new Engine({
    config,
    store,
    providers,
    redactor,
    checks: checkRunner(),
    ...(notifications ? { notify: notifications.outbox } : {}),
  });
  // Messages earlier processes left undelivered go out in the background of this command.
  delivery?.kick();
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
