import type { Engine } from "./engine.js";
import { BackoutError } from "./errors.js";
import type { ComponentState, Plan } from "./model.js";
import { canonicalJson, plannedComponents } from "./planner/index.js";
import type { SavedPlan } from "./plan-file.js";

/**
 * A saved plan runs here only if it was made here and still stands: the same environment, its
 * checkpoint still in this store (else PLAN_STALE), and the configuration it was planned with
 * (PLAN_STALE naming the changed fields, as for approve and resume). Checked before anything is
 * recorded; the starting state is checked later, under the lock (assertNoDrift).
 */
export async function assertSavedPlanApplies(engine: Engine, saved: SavedPlan, file: string): Promise<void> {
  const { plan } = saved;
  if (plan.environment !== engine.config.environment) {
    throw new BackoutError(
      "PLAN_FILE_INVALID",
      `${file} is a plan for environment ${plan.environment}, and this is ${engine.config.environment}`,
      {
        where: { file },
        hint: `Run it with the environment file of ${plan.environment} (-c FILE), or make a plan here with \`backout plan --out FILE\`.`,
      },
    );
  }
  const cp = await engine.store.getCheckpoint(plan.checkpoint.id);
  if (!cp || cp.createdAt !== plan.checkpoint.createdAt) {
    throw new BackoutError(
      "PLAN_STALE",
      `plan ${plan.hash.slice(0, 12)} rolls back to checkpoint ${plan.checkpoint.name} (${plan.checkpoint.id}), which this environment's store does not have`,
      {
        where: { file },
        hint: "The checkpoint was removed, or the plan was made with another store. Make a fresh plan (`backout plan --out FILE`).",
        details: { checkpoint: plan.checkpoint },
      },
    );
  }
  plannedComponents(plan, engine.config, (v) => engine.redactor.redactValue(v));
  engine.assertDataLossAllowed(plan);
}

export interface Drift {
  component: string;
  expected: string;
  now: string;
  /** The state details that differ ("details.files"), when the versions are equal. */
  changed?: string[];
}

/**
 * The plan's steps were computed from each component's starting state; run from any other, they
 * would do something nobody reviewed. Captures every component of the plan again and refuses
 * with PLAN_DRIFTED, naming every component that is not where the plan found it (or cannot be
 * read), what was expected and what is there now. Nothing has run when it throws.
 */
export async function assertNoDrift(engine: Engine, plan: Plan): Promise<void> {
  const configs = plannedComponents(plan, engine.config, (v) => engine.redactor.redactValue(v));
  const list = plan.components.flatMap((pc) => {
    const c = configs.get(pc.name);
    return c ? [c] : [];
  });
  const { states, problems } = await engine.captureEach(undefined, list);
  const drifted: Drift[] = [];
  for (const pc of plan.components) {
    const now = states[pc.name];
    if (now === undefined) {
      const problem = problems.find((p) => p.where?.component === pc.name);
      drifted.push({
        component: pc.name,
        expected: pc.from.version,
        now: `unreadable (${problem?.message ?? "no state"})`,
      });
      continue;
    }
    const changed = changedState(pc.from, now);
    if (changed.length === 0) continue;
    drifted.push({
      component: pc.name,
      expected: pc.from.version,
      now: now.version,
      ...(now.version === pc.from.version ? { changed } : {}),
    });
  }
  const first = drifted[0];
  if (first === undefined) return;
  const lines = drifted.map(
    (d) =>
      `${d.component}: planned from ${d.expected}, now ${d.now}${d.changed ? ` (${d.changed.join(", ")} changed)` : ""}`,
  );
  throw new BackoutError(
    "PLAN_DRIFTED",
    `${drifted.length === 1 ? "a component is" : `${drifted.length} components are`} no longer in the state plan ${plan.hash.slice(0, 12)} starts from; no step ran:\n  ${lines.join("\n  ")}`,
    {
      where: { component: first.component },
      hint: `The system changed since the plan was made. Make a fresh plan (\`backout plan --to ${plan.checkpoint.name} --out FILE\`), review it, and run that one.`,
      details: { drifted, planHash: plan.hash },
    },
  );
}

/** What differs between the planned starting state and now; measurements never count. */
function changedState(planned: ComponentState, now: ComponentState): string[] {
  const out: string[] = [];
  if (planned.version !== now.version) out.push("version");
  const a = planned.details ?? {};
  const b = now.details ?? {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (canonicalJson(a[key]) !== canonicalJson(b[key])) out.push(`details.${key}`);
  }
  return out;
}
