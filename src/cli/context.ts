import { userInfo } from "node:os";
import { resolve } from "node:path";
import { loadEnvironment } from "../config/load.js";
import type { EnvironmentConfig } from "../config/types.js";
import { actorId, type Actor } from "../core/actor.js";
import type { Engine } from "../core/engine.js";
import { assertNotInsideStep } from "../core/nesting.js";
import { findInterrupted } from "../core/rollbacks.js";
import { builtinProviders } from "../providers/builtin.js";
import { err, redactor } from "./output.js";
import { composeEngine } from "../api/compose.js";

export interface GlobalOptions {
  config: string;
  json?: boolean;
  /** `--as NAME`: who the journal and the checkpoint audit record (run, resume, approve, cancel, checkpoint, mark-good, unmark-good, watch). */
  as?: string;
}

/** The CLI user: `--as NAME`, or the OS user, on the cli channel. */
export function cliActor(opts: GlobalOptions): Actor {
  return { name: opts.as ?? userInfo().username, via: "cli" };
}

/** The CLI user as the journal and serve.fourEyes know them: `NAME@cli` (see core/actor.ts). */
export function cliIdentity(opts: GlobalOptions): string {
  return actorId(cliActor(opts));
}

/** The composition root: config, providers, store and engine for one command. */
/**
 * `readOnly`: the command only reads (status, history, show, report, plan, checkpoints). It does
 * not deliver what earlier processes left in the notification outbox, so it never waits on a
 * receiver. Every other command refuses to run inside a rollback's step (NESTED_ROLLBACK) before
 * its first write, and delivers those leftovers.
 */
export async function openEngine(
  opts: GlobalOptions,
  { warnInterrupted = true, readOnly = false } = {},
): Promise<Engine> {
  const providers = builtinProviders();
  const config: EnvironmentConfig = loadEnvironment(resolve(opts.config), { providers, redactor });
  const engine = await composeEngine(
    { config, providers, redactor },
    // A read-only command never waits on a receiver: it leaves the outbox to the next command
    // that changes something.
    readOnly ? { deliverLeftovers: false } : { beforeUse: (store) => assertNotInsideStep(store) },
  );
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
