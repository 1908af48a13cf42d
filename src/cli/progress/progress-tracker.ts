/** Counts what the progress line shows, from the plan and the step events seen so far. */
import type { JournalEntry } from "../../core/journal-events.js";
import type { Plan, PlannedStep } from "../../core/model.js";

export interface ProgressSnapshot {
  /** Components whose steps have all succeeded (or were already at target). */
  done: number;
  /** Components that have steps in the plan. */
  total: number;
  percent: number;
}

export class ProgressTracker {
  private readonly steps: Map<string, PlannedStep>;
  private readonly stepsByComponent = new Map<string, string[]>();
  private readonly succeeded = new Set<string>();

  constructor(plan: Plan) {
    this.steps = new Map(plan.steps.map((s) => [s.id, s]));
    for (const s of plan.steps) {
      const list = this.stepsByComponent.get(s.component) ?? [];
      list.push(s.id);
      this.stepsByComponent.set(s.component, list);
    }
  }

  step(stepId: string): PlannedStep | undefined {
    return this.steps.get(stepId);
  }

  record(entry: JournalEntry): void {
    const { event } = entry;
    if (event.type === "step-succeeded" && this.steps.has(event.stepId)) this.succeeded.add(event.stepId);
    // A step found at its target on resume is done as much as one that just ran.
    if (event.type === "step-verified" && event.reached && this.steps.has(event.stepId)) {
      this.succeeded.add(event.stepId);
    }
  }

  snapshot(): ProgressSnapshot {
    let done = 0;
    for (const ids of this.stepsByComponent.values()) {
      if (ids.every((id) => this.succeeded.has(id))) done++;
    }
    const totalSteps = this.steps.size;
    const percent = totalSteps === 0 ? 100 : Math.floor((100 * this.succeeded.size) / totalSteps);
    return { done, total: this.stepsByComponent.size, percent };
  }
}
