import type { EnvironmentConfig } from "../config/types.js";
import type { Redactor } from "../config/redactor.js";
import type { CheckRunner, Notifier } from "../core/checks.js";
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

export function notifier(config: EnvironmentConfig, redactor: Redactor): Notifier | undefined {
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
  return async (message) => {
    const { notify } = await import("../notify/notify.js");
    return notify(
      channels,
      { ...message, reportHint: `backout report ${message.rollbackId}` },
      {
        redact: (t) => redactor.redact(t),
        timeoutMs: 10_000,
      },
    );
  };
}
