/** Hand-built plans and journals shared by the report and progress tests. */
import type { SerializedError } from "../../src/core/errors.js";
import type { Holder, JournalEntry, JournalEventData } from "../../src/core/journal-events.js";
import type { Plan, PlannedStep } from "../../src/core/model.js";

export const T0 = Date.UTC(2025, 0, 15, 10, 0, 0);
export const ROLLBACK_ID = "rb-20250115-1";
export const HOLDER: Holder = { token: "tok-1", pid: 4242, host: "deploy-1" };
export const HOLDER_2: Holder = { token: "tok-2", pid: 5151, host: "deploy-2" };

function step(
  id: string,
  component: string,
  action: string,
  description: string,
  after: string[],
  dataLoss = false,
): PlannedStep {
  return {
    id,
    component,
    kind: component === "db" ? "postgres" : "release",
    action,
    description,
    phase: "main",
    after,
    target: { version: component === "db" ? "41" : "20250110-1200" },
    params: {},
    risk: { dataLoss, summary: dataLoss ? "drops column users.nickname (1,204 non-null values)" : "none" },
    reversible: !dataLoss,
  };
}

/** api (2 steps) then db (1 step): dependents first. */
export function makePlan(options: { dataLoss?: boolean } = {}): Plan {
  const dataLoss = options.dataLoss ?? false;
  return {
    formatVersion: 1,
    environment: "production",
    checkpoint: { id: "cp-7f3a", name: "before-v2.1.0", createdAt: T0 - 3_600_000 },
    scope: { only: [], except: [] },
    components: [
      {
        name: "api",
        kind: "release",
        layer: "app",
        from: { version: "20250115-0930" },
        to: { version: "20250110-1200" },
        reason: "selected",
        upToDate: false,
      },
      {
        name: "db",
        kind: "postgres",
        layer: "database",
        from: { version: "42" },
        to: { version: "41" },
        reason: "pulled-in",
        because: "api@20250110-1200 requires db <=41",
        upToDate: false,
      },
    ],
    steps: [
      step("api#1:switch-release", "api", "switch-release", "switch current to 20250110-1200", []),
      step("api#2:restart", "api", "restart", "restart the api service", ["api#1:switch-release"]),
      step(
        "db#1:migrate-down",
        "db",
        "migrate-down",
        "reverse migration 42_add_nickname",
        ["api#2:restart"],
        dataLoss,
      ),
    ],
    concurrency: 4,
    dataLoss,
    estimateMs: 5000,
    hash: dataLoss ? "d4f1".padEnd(64, "0") : "a1b2c3d4e5f6".padEnd(64, "9"),
  };
}

/** Appends events with gap-free seqs; `at` is an offset in ms from T0. */
export class JournalBuilder {
  readonly entries: JournalEntry[] = [];

  constructor(readonly rollbackId = ROLLBACK_ID) {}

  add(offsetMs: number, event: JournalEventData): this {
    this.entries.push({
      rollbackId: this.rollbackId,
      seq: this.entries.length + 1,
      at: T0 + offsetMs,
      event,
    });
    return this;
  }
}

export function commandError(message: string): SerializedError {
  return { code: "COMMAND_FAILED", message, retryable: true };
}

/** queued at T0, started at +50 ms with a 15 min deadline. */
export function startedJournal(plan: Plan): JournalBuilder {
  return new JournalBuilder()
    .add(0, { type: "queued", plan, requestedBy: "alice" })
    .add(50, { type: "started", holder: HOLDER, epoch: 1, deadlineAt: T0 + 50 + 900_000 });
}

export function successJournal(): { plan: Plan; entries: JournalEntry[] } {
  const plan = makePlan();
  const j = startedJournal(plan)
    .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
    .add(312, { type: "step-succeeded", stepId: "api#1:switch-release", attempt: 1, durationMs: 212 })
    .add(320, { type: "step-started", stepId: "api#2:restart", attempt: 1 })
    .add(1320, { type: "step-succeeded", stepId: "api#2:restart", attempt: 1, durationMs: 1000 })
    .add(1330, { type: "step-started", stepId: "db#1:migrate-down", attempt: 1 })
    .add(1530, { type: "step-succeeded", stepId: "db#1:migrate-down", attempt: 1, durationMs: 200 })
    .add(1540, { type: "finished", state: "succeeded" });
  return { plan, entries: j.entries };
}

/** api#1 fails three times; the rollback escalates and the hook reports. */
export function escalationJournal(): { plan: Plan; entries: JournalEntry[] } {
  const plan = makePlan();
  const failed = (attempt: number, durationMs: number, willRetry: boolean, retryInMs?: number) =>
    ({
      type: "step-failed",
      stepId: "api#1:switch-release",
      attempt,
      durationMs,
      error: commandError(`ln exited with code 1 (attempt ${attempt})`),
      willRetry,
      ...(retryInMs === undefined ? {} : { retryInMs }),
    }) as const;
  const j = startedJournal(plan)
    .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
    .add(400, failed(1, 300, true, 1000))
    .add(1400, { type: "step-started", stepId: "api#1:switch-release", attempt: 2 })
    .add(1650, failed(2, 250, true, 2000))
    .add(3650, { type: "step-started", stepId: "api#1:switch-release", attempt: 3 })
    .add(3850, failed(3, 200, false))
    .add(3860, {
      type: "escalated",
      reason: "api#1:switch-release failed 3 times",
      failedSteps: ["api#1:switch-release"],
      done: [],
      notDone: ["api#1:switch-release", "api#2:restart", "db#1:migrate-down"],
    })
    .add(3900, { type: "escalation-hook", ok: true })
    .add(3910, { type: "finished", state: "escalated", reason: "api#1:switch-release failed 3 times" });
  return { plan, entries: j.entries };
}

/** The plan may lose data: the db step waits for approval, then runs. */
export function gateJournal(): { plan: Plan; entries: JournalEntry[] } {
  const plan = makePlan({ dataLoss: true });
  const j = startedJournal(plan)
    .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
    .add(300, { type: "step-succeeded", stepId: "api#1:switch-release", attempt: 1, durationMs: 200 })
    .add(310, { type: "step-started", stepId: "api#2:restart", attempt: 1 })
    .add(810, { type: "step-succeeded", stepId: "api#2:restart", attempt: 1, durationMs: 500 })
    .add(820, { type: "gate-waiting", planHash: plan.hash, steps: ["db#1:migrate-down"] })
    .add(60_820, { type: "gate-approved", planHash: plan.hash, by: "bob", via: "approve" })
    .add(60_830, { type: "step-started", stepId: "db#1:migrate-down", attempt: 1 })
    .add(61_230, { type: "step-succeeded", stepId: "db#1:migrate-down", attempt: 1, durationMs: 400 })
    .add(61_240, { type: "finished", state: "succeeded" });
  return { plan, entries: j.entries };
}

/** The process died while api#2 was running: no end event, no "finished". */
export function cutOffJournal(): { plan: Plan; entries: JournalEntry[] } {
  const plan = makePlan();
  const j = startedJournal(plan)
    .add(100, { type: "step-started", stepId: "api#1:switch-release", attempt: 1 })
    .add(312, { type: "step-succeeded", stepId: "api#1:switch-release", attempt: 1, durationMs: 212 })
    .add(320, { type: "step-started", stepId: "api#2:restart", attempt: 1 });
  return { plan, entries: j.entries };
}
