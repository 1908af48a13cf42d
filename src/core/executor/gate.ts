import { BackoutError } from "../errors.js";
import type { JournalWriter } from "../journal-writer.js";
import type { Plan } from "../model.js";
import type { ExecutionState } from "./execution-state.js";

export interface GateOptions {
  /** A plan hash given on the command line (`--confirm`); must equal the plan's hash. */
  confirmHash?: string;
  /** Interactive confirmation (TTY); resolves true when the person confirmed this exact plan. */
  prompt?: (plan: Plan) => Promise<boolean>;
  /** Who confirmed, for the journal. */
  confirmedBy?: string;
}

/**
 * A confirmation must name this plan: a prefix of its hash of at least 12 characters. The message
 * says what is known: the hash matches no plan (mistyped, or copied from a plan that has changed
 * since), and which hash the plan has. With a rollback id it is about that rollback's plan.
 */
export function assertConfirmationMatches(
  plan: Plan,
  confirmHash: string | undefined,
  rollbackId?: string,
): void {
  if (confirmHash === undefined || !plan.dataLoss) return;
  const given = confirmHash.toLowerCase();
  const mine = plan.hash.slice(0, 12);
  if (given.length < 12) {
    throw new BackoutError(
      "CONFIRMATION_MISMATCH",
      `the confirmation ${confirmHash} is too short to name a plan`,
      {
        hint: `Give at least 12 characters of the plan hash${rollbackId === undefined ? "" : ` (rollback ${rollbackId}'s plan is ${mine})`}.`,
        details: { expected: plan.hash, given: confirmHash },
      },
    );
  }
  if (plan.hash.startsWith(given)) return;
  const approve = rollbackId === undefined ? undefined : `backout approve ${rollbackId} --plan-hash ${mine}`;
  throw new BackoutError(
    "CONFIRMATION_MISMATCH",
    rollbackId === undefined
      ? `the hash ${confirmHash} matches no plan: the plan to run is ${mine}`
      : `the hash ${confirmHash} matches no plan of rollback ${rollbackId}: its plan is ${mine}`,
    {
      hint:
        approve === undefined
          ? "Check the hash for a typo. If you copied it from `backout plan`, the plan has changed since: review it again with `backout plan` and confirm the hash it shows now."
          : `Check the hash for a typo; review the plan with \`backout show ${rollbackId}\`, then \`${approve}\`.`,
      details: { expected: plan.hash, given: confirmHash },
    },
  );
}

/**
 * Circuit breaker 2: a plan that may lose data goes no further until someone confirmed that
 * exact plan (its hash). Returns "go", or "wait" after journalling that the rollback waits.
 */
export async function decideGate(
  journal: JournalWriter,
  plan: Plan,
  state: ExecutionState,
  options: GateOptions,
): Promise<"go" | "wait"> {
  if (!plan.dataLoss || state.approvedHash === plan.hash) return "go";
  const by = options.confirmedBy ?? "operator";
  if (options.confirmHash !== undefined) {
    assertConfirmationMatches(plan, options.confirmHash);
    await journal.append({ type: "gate-approved", planHash: plan.hash, by, via: "flag" });
    return "go";
  }
  if (options.prompt && (await options.prompt(plan))) {
    await journal.append({ type: "gate-approved", planHash: plan.hash, by, via: "prompt" });
    return "go";
  }
  const risky = plan.steps.filter((s) => s.risk.dataLoss).map((s) => s.id);
  if (!state.gateWaiting) await journal.append({ type: "gate-waiting", planHash: plan.hash, steps: risky });
  return "wait";
}
