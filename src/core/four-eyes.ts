/**
 * serve.fourEyes: the plan of a data-loss rollback is approved by someone other than who asked
 * for it, on every path (API approve, CLI approve, `run --confirm`, `resume --confirm`, the
 * interactive prompt). Identities are what the journal records (a serve token's `NAME@serve`,
 * the CLI's `USER@cli` or `NAME@cli` with `--as`, an alert trigger's `alert:NAME (...)`); the rule
 * compares the person behind them (see actor.ts), not the channel.
 */
import { personOf } from "./actor.js";
import type { Engine } from "./engine.js";
import { BackoutError } from "./errors.js";

export function fourEyesOn(engine: Engine): boolean {
  return engine.config.serve?.fourEyes === true;
}

/** Who asked for the rollback: its `queued` event's requestedBy. */
export async function requesterOf(engine: Engine, rollbackId: string): Promise<string | undefined> {
  const first = (await engine.store.readJournal(rollbackId)).find((e) => e.event.type === "queued");
  return first?.event.type === "queued" ? first.event.requestedBy : undefined;
}

/** Refuses (FORBIDDEN) an approval of a rollback's plan by the person who requested it, on any channel. */
export async function assertFourEyes(engine: Engine, rollbackId: string, by: string): Promise<void> {
  if (!fourEyesOn(engine)) return;
  const requester = await requesterOf(engine, rollbackId);
  if (requester === undefined || personOf(requester) !== personOf(by)) return;
  const same = requester === by ? "" : `, and ${by} is the same person (${personOf(by)}) on another channel`;
  throw selfApproval(`rollback ${rollbackId} was requested by ${requester}${same}`);
}

/** `run --confirm` under four-eyes: whoever starts the rollback would approve their own plan. */
export function selfApproval(what: string): BackoutError {
  return new BackoutError("FORBIDDEN", `${what}; four-eyes needs another approver`, {
    hint: "serve.fourEyes is on: start the rollback without --confirm; someone else approves it (`backout approve ID --plan-hash HASH`, or POST /api/v1/rollbacks/ID/approve).",
  });
}
