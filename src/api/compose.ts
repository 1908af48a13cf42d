import type { Clock } from "../core/clock.js";
import { Engine } from "../core/engine.js";
import type { Holder } from "../core/journal-events.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import type { Store } from "../store/store.js";
import type { Environment } from "./environment.js";
import { checkRunner, notificationOutbox } from "./wiring.js";

export interface ComposeOptions {
  /** The store; by default the SQLite store at the environment's `store.path`. */
  store?: Store;
  clock?: Clock;
  /** The environment of child processes (and of the nesting guard); process.env by default. */
  env?: NodeJS.ProcessEnv;
  holder?: Holder;
  /** Runs before anything else uses the store (the CLI refuses to write inside a step here). */
  beforeUse?: (store: Store) => Promise<void>;
}

/**
 * The composition root shared by the CLI and the library: the store, the check runner, the
 * notification outbox and its background delivery, and the engine over them. Closing the
 * engine's store first flushes the delivery (bounded by policies.notifications.flush).
 */
export async function composeEngine(environment: Environment, options: ComposeOptions = {}): Promise<Engine> {
  const { config, providers, redactor } = environment;
  const opened = options.store ?? openSqliteStore(config.store.path);
  if (options.beforeUse) {
    try {
      await options.beforeUse(opened);
    } catch (e) {
      await opened.close();
      throw e;
    }
  }
  const notifications = await notificationOutbox(config, redactor, opened);
  const delivery = notifications?.delivery;
  // Every command closes the store when its work is done: that is when delivery is flushed
  // and what is left is journalled as undelivered.
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
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.holder ? { holder: options.holder } : {}),
    ...(notifications ? { notify: notifications.outbox } : {}),
  });
  // Messages earlier processes left undelivered go out in the background.
  delivery?.kick();
  return engine;
}
