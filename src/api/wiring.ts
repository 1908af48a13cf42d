import type { EnvironmentConfig } from "../config/types.js";
import type { Redactor } from "../config/redactor.js";
import type { CheckRunner, NotificationOutbox } from "../core/checks.js";
import { systemClock } from "../core/clock.js";
import type { OutboxDelivery } from "../notify/deliver.js";
import type { Store } from "../store/store.js";
import type { CheckSpec } from "../validate/schema.js";

/**
 * Checks and notifications for the engine, built from the environment file. The modules load
 * only when a check runs or a message is sent, so commands that do neither start fast.
 */
export function checkRunner(): CheckRunner {
  return async (check, opts) => {
    const { runCheck } = await import("../validate/run-check.js");
    // The config schema parsed it into a CheckSpec (durations already in ms); the engine keeps it opaque.
    const result = await runCheck(check as unknown as CheckSpec, opts);
    return opts.component ? { ...result, component: opts.component } : result;
  };
}

/**
 * The notification outbox and its background delivery, when backout.yaml has channels. The
 * delivery also takes up what earlier processes left undelivered in the outbox.
 */
export async function notificationOutbox(
  config: EnvironmentConfig,
  redactor: Redactor,
  store: Store,
): Promise<{ outbox: NotificationOutbox; delivery: OutboxDelivery } | undefined> {
  const channels = config.notifications ?? [];
  if (channels.length === 0) return undefined;
  // A Slack webhook URL is itself a credential, and so is a webhook's signing secret.
  for (const c of channels) {
    if ("slack" in c) redactor.add(c.slack);
    else {
      redactor.add(c.secret);
      redactor.add(c.webhook);
    }
  }
  const [{ OutboxDelivery, DEFAULT_DELIVERY }, { channelOutbox }] = await Promise.all([
    import("../notify/deliver.js"),
    import("../notify/outbox.js"),
  ]);
  const delivery = new OutboxDelivery({
    store,
    channels,
    redactor,
    clock: systemClock,
    policy: config.policies.notifications ?? DEFAULT_DELIVERY,
  });
  return { outbox: channelOutbox(channels, (t) => redactor.redact(t), delivery), delivery };
}
