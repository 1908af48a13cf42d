import type { NotificationAbout, NotificationMessage } from "../checks.js";
import type { JournalEventData } from "../journal-events.js";
import type { OutboxHook } from "../journal-writer.js";
import type { Plan, RollbackState } from "../model.js";
import type { ExecuteDeps } from "./deps.js";

/** The dashboard (`backout serve`, /ui) showing one rollback, where an approver reviews and approves its plan. */
export function approvalUrl(publicUrl: string, rollbackId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/ui/#rollback=${encodeURIComponent(rollbackId)}`;
}

interface Notice {
  about: NotificationAbout;
  state: RollbackState;
  summary: string;
}

/**
 * The notifications a journal event causes. They are written into the outbox in the same
 * transaction as the event (so a crash loses none, and a resume queues none twice), and
 * delivered in the background: a notification never waits in front of a step, never counts
 * against the time limit, and never fails a rollback.
 */
export function noticesOf(event: JournalEventData, plan: Plan, rollbackId: string): Notice[] {
  switch (event.type) {
    case "started":
      return [
        {
          about: "started",
          state: "running",
          summary: `rollback to checkpoint ${plan.checkpoint.name} started (${plan.steps.length} steps)`,
        },
      ];
    case "gate-waiting":
      return [
        {
          about: "awaiting-confirmation",
          state: "awaiting-confirmation",
          summary:
            "the plan may lose data and has not been confirmed; " +
            `approve with: backout approve ${rollbackId} --plan-hash ${plan.hash.slice(0, 12)}`,
        },
      ];
    case "monitor-blind":
      return [{ about: "monitor-blind", state: "running", summary: event.message }];
    case "finished":
      switch (event.state) {
        case "succeeded":
          return [
            {
              about: "succeeded",
              state: "succeeded",
              summary: `rollback to checkpoint ${plan.checkpoint.name} succeeded`,
            },
          ];
        case "timed-out":
          return [
            {
              about: "timed-out",
              state: "timed-out",
              summary: `${event.reason ?? "the time limit passed"}; the emergency procedure ran`,
            },
          ];
        case "escalated":
        case "failed": {
          // Whoever listens for escalations hears about every one; a failed validation is also a failure.
          const why = event.reason ?? event.state;
          const escalated: Notice = { about: "escalated", state: event.state, summary: why };
          return event.state === "failed"
            ? [escalated, { about: "failed", state: "failed", summary: why }]
            : [escalated];
        }
        default:
          return [];
      }
    default:
      return [];
  }
}

/** The journal hook that turns events into outbox rows; undefined when no channel is configured. */
export function outboxHook(deps: ExecuteDeps, plan: Plan): OutboxHook | undefined {
  const outbox = deps.notify;
  if (!outbox) return undefined;
  const rollbackId = deps.journal.rollbackId;
  return {
    compose: (event, at) =>
      noticesOf(event, plan, rollbackId).flatMap((n) => {
        const message: NotificationMessage = {
          about: n.about,
          rollbackId,
          environment: deps.config.environment,
          state: n.state,
          summary: deps.redact(n.summary),
          planHash: plan.hash,
          ...(n.about === "awaiting-confirmation" && deps.config.serve?.publicUrl !== undefined
            ? { link: approvalUrl(deps.config.serve.publicUrl, rollbackId) }
            : {}),
          at,
        };
        return outbox.compose(message);
      }),
    queued: () => outbox.queued(rollbackId),
  };
}
