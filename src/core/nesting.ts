import { AsyncLocalStorage } from "node:async_hooks";
import { hostname } from "node:os";
import { realpathSync } from "node:fs";
import { ancestorCommandLines, ancestorGroups, groupAlive } from "../process/process-group.js";
import type { Store } from "../store/store.js";
import { BackoutError } from "./errors.js";

/**
 * Circuit breaker 4: a step cannot start another rollback. Child processes of a step carry
 * BACKOUT_ACTIVE_ROLLBACK; code running inside a step in this process carries it in
 * async-local storage.
 */
export const ACTIVE_ROLLBACK_ENV = "BACKOUT_ACTIVE_ROLLBACK";

const insideStep = new AsyncLocalStorage<string>();

export function runInsideRollback<T>(rollbackId: string, fn: () => Promise<T>): Promise<T> {
  return insideStep.run(rollbackId, fn);
}

export function assertNotNested(env: NodeJS.ProcessEnv = process.env): void {
  const outer = insideStep.getStore() ?? env[ACTIVE_ROLLBACK_ENV];
  if (outer) throw nested(`rollback ${outer}`);
}

/**
 * A `backout` CLI among this process's ancestors: this command was started by something backout
 * runs (a step, a hook), whatever environment or store it was given.
 */
function backoutAncestor(): string | undefined {
  const script = process.argv[1];
  if (script === undefined || !/backout|main\.js$/.test(script)) return undefined;
  let me: string;
  try {
    me = realpathSync(script);
  } catch {
    return undefined;
  }
  for (const argv of ancestorCommandLines()) {
    const theirs = argv[1];
    if (theirs === undefined) continue;
    try {
      if (realpathSync(theirs) === me) return argv.slice(2).join(" ");
    } catch {
      // Not a file (or a relative path from another cwd): not comparable.
    }
  }
  return undefined;
}

function nested(outer: string): BackoutError {
  return new BackoutError("NESTED_ROLLBACK", `a step of ${outer} tried to change backout's state`, {
    hint: "Rollbacks cannot be nested, and a step cannot approve, cancel, checkpoint or mark anything. Remove the backout call from the step; run it separately once the current rollback has ended.",
    details: { outerRollback: outer },
  });
}

/**
 * The full guard, checked before the first write of every command that changes state: the
 * environment variable (cheap), and, since a step may drop its environment (`env -u`), the
 * journal: is this process a descendant of a running step, i.e. is one of its ancestors' process
 * groups a group a running step journalled on this host?
 */
export async function assertNotInsideStep(store: Store, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  assertNotNested(env);
  const outer = backoutAncestor();
  if (outer !== undefined) throw nested(`\`backout ${outer}\``);
  const mine = new Set(ancestorGroups());
  if (mine.size === 0) return;
  const here = hostname();
  for (const g of await store.runningStepGroups()) {
    if (g.host === here && mine.has(g.pgid) && groupAlive(g)) throw nested(`rollback ${g.rollbackId}`);
  }
}
