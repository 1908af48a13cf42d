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
  /**
   * Start delivering what earlier processes left in the outbox (default true). Read-only
   * commands pass false: they then never wait on a receiver, and the next command that changes
   * something delivers the leftovers.
   */
  deliverLeftovers?: boolean;
}

/**
 * The composition root shared by the CLI and the library: the store, the check runner, the
 * notification outbox and its background delivery, and the engine over them. engine.close()
 * first finishes the delivery (bounded by policies.notifications.flush), then closes the store.
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
  const engine = new Engine({
    config,
    store: opened,
    providers,
    redactor,
    checks: checkRunner(),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.holder ? { holder: options.holder } : {}),
    ...(notifications ? { notify: notifications.outbox, delivery: notifications.delivery } : {}),
  });
  // Messages earlier processes left undelivered go out in the background.
  if (options.deliverLeftovers ?? true) notifications?.delivery.kick();
  return engine;
}
