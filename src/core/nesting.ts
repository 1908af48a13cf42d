import { AsyncLocalStorage } from "node:async_hooks";
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
  if (outer) {
    throw new BackoutError(
      "NESTED_ROLLBACK",
      `a step of rollback ${outer} tried to start or resume a rollback`,
      {
        hint: "Rollbacks cannot be nested. Remove the backout call from the step; run it separately once the current rollback has ended.",
        details: { outerRollback: outer },
      },
    );
  }
}
