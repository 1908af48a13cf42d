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

export function assertConfirmationMatches(plan: Plan, confirmHash: string | undefined): void {
  if (confirmHash === undefined || !plan.dataLoss) return;
  if (!plan.hash.startsWith(confirmHash.toLowerCase()) || confirmHash.length < 12) {
    throw new BackoutError(
      "CONFIRMATION_MISMATCH",
      `the confirmation is for plan ${confirmHash}, but this plan is ${plan.hash}`,
      {
        hint: "The plan changed since it was confirmed. Review it with `backout plan` and confirm its current hash (at least 12 characters).",
        details: { expected: plan.hash, given: confirmHash },
      },
    );
  }
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
