import { BackoutError } from "../errors.js";
import { findCycle } from "../graph.js";
import type { ComponentConfig, Layer, PlannedStep, StepPhase, StepSpec } from "../model.js";

const PHASES: readonly StepPhase[] = ["pre", "main", "post"];

/**
 * Turns per-component step lists into one DAG of PlannedSteps.
 *
 * - Steps of one component run in the order the provider gave them.
 * - Rollback is deploy order reversed: when A dependsOn B, A's steps (of a phase) finish before B's
 *   (of that phase) start, also through components that have no steps (A → X → B, X up to date).
 * - Within "main", layers go traffic, app, database, config, cache (a cache is flushed after what
 *   it caches), unless dependsOn says otherwise: dependencies win, layer order fills the gaps.
 * - Every "pre" step runs before every "main" step, every "main" before every "post"; dependency
 *   edges stay inside a phase, so traffic components can wrap the whole rollback.
 *
 * `components` is the whole environment in file order (up-to-date and out-of-scope components
 * still carry transitive order); `steps` holds the steps of the components that roll back.
 * Steps come back in a topological order, ties broken by file order: stable, so plans hash stably.
 */
export function orderSteps(
  components: readonly ComponentConfig[],
  steps: ReadonlyMap<string, StepSpec[]>,
): PlannedStep[] {
  checkComponentCycle(components);
  const planned = new Map<string, PlannedStep[]>();
  for (const c of components) {
    const specs = steps.get(c.name);
    if (specs && specs.length > 0) planned.set(c.name, toPlanned(c, specs));
  }
  const after = new Map<string, Set<string>>();
  const edge = (from: PlannedStep, to: PlannedStep): void => {
    let set = after.get(to.id);
    if (!set) after.set(to.id, (set = new Set()));
    set.add(from.id);
  };
  for (const list of planned.values()) {
    for (let i = 1; i < list.length; i++) edge(list[i - 1] as PlannedStep, list[i] as PlannedStep);
  }
  addDependencyEdges(components, planned, edge);
  addLayerEdges(components, planned, after, edge);
  const all = [...planned.values()].flat();
  addPhaseEdges(all, after, edge);
  for (const s of all) s.after = [...(after.get(s.id) ?? [])].sort();
  checkStepCycle(all);
  return topologicalOrder(all);
}

function toPlanned(c: ComponentConfig, specs: StepSpec[]): PlannedStep[] {
  let lastPhase = 0;
  return specs.map((spec, i) => {
    const phase = spec.phase ?? "main";
    const rank = PHASES.indexOf(phase);
    // A component's own chain must not run against the phase order, or the plan has no valid order.
    if (rank < lastPhase) {
      throw new BackoutError(
        "PLAN_INVALID",
        `${c.name}: step ${i + 1} (${spec.action}) is in phase "${phase}" after a "${PHASES[lastPhase]}" step`,
        {
          hint: `the ${c.kind} provider must return ${c.name}'s steps in phase order: pre, then main, then post`,
          where: { component: c.name },
        },
      );
    }
    lastPhase = rank;
    return {
      ...spec,
      id: `${c.name}#${i + 1}:${spec.action}`,
      component: c.name,
      kind: c.kind,
      phase,
      after: [],
    };
  });
}

/**
 * For each component with steps in a phase, an edge from its last step in that phase to the first
 * step (in that phase) of each nearest dependency that has steps there, looking through dependencies
 * without steps. Nearest is enough: the rest follows transitively.
 */
function addDependencyEdges(
  components: readonly ComponentConfig[],
  planned: ReadonlyMap<string, PlannedStep[]>,
  edge: (from: PlannedStep, to: PlannedStep) => void,
): void {
  const byName = new Map(components.map((c) => [c.name, c]));
  for (const phase of PHASES) {
    const inPhase = (name: string): PlannedStep[] =>
      (planned.get(name) ?? []).filter((s) => s.phase === phase);
    for (const c of components) {
      const mine = inPhase(c.name);
      const last = mine[mine.length - 1];
      if (!last) continue;
      const seen = new Set<string>();
      const stack = [...c.dependsOn];
      while (stack.length > 0) {
        const dep = stack.pop() as string;
        if (seen.has(dep)) continue;
        seen.add(dep);
        const first = inPhase(dep)[0];
        if (first) edge(last, first);
        else stack.push(...(byName.get(dep)?.dependsOn ?? []));
      }
    }
  }
}

/**
 * Phase barrier with few edges: the sinks of one phase (no successor inside it) precede the sources
 * of the next non-empty phase (no predecessor inside it). Everything else follows transitively.
 */
function addPhaseEdges(
  all: PlannedStep[],
  after: ReadonlyMap<string, ReadonlySet<string>>,
  edge: (from: PlannedStep, to: PlannedStep) => void,
): void {
  const phaseOf = new Map(all.map((s) => [s.id, s.phase]));
  const hasPredInPhase = new Set<string>();
  const hasSuccInPhase = new Set<string>();
  for (const s of all) {
    for (const p of after.get(s.id) ?? []) {
      if (phaseOf.get(p) !== s.phase) continue;
      hasPredInPhase.add(s.id);
      hasSuccInPhase.add(p);
    }
  }
  let previousSinks: PlannedStep[] = [];
  for (const phase of PHASES) {
    const group = all.filter((s) => s.phase === phase);
    if (group.length === 0) continue;
    for (const source of group.filter((s) => !hasPredInPhase.has(s.id))) {
      for (const sink of previousSinks) edge(sink, source);
    }
    previousSinks = group.filter((s) => !hasSuccInPhase.has(s.id));
  }
}

/** Rollback order of layers within the main phase. */
const LAYER_ORDER: readonly Layer[] = ["traffic", "app", "database", "config", "cache"];

/**
 * Soft edges between consecutive non-empty layers of the main phase: the last main step of each
 * component of one layer before the first main step of each component of the next. An edge that
 * would contradict the dependency order (close a cycle) is left out: dependsOn is the user's word.
 */
function addLayerEdges(
  components: readonly ComponentConfig[],
  planned: ReadonlyMap<string, PlannedStep[]>,
  after: ReadonlyMap<string, ReadonlySet<string>>,
  edge: (from: PlannedStep, to: PlannedStep) => void,
): void {
  const mainOf = (c: ComponentConfig) => (planned.get(c.name) ?? []).filter((s) => s.phase === "main");
  const groups = LAYER_ORDER.map((layer) =>
    components.filter((c) => c.layer === layer && mainOf(c).length > 0),
  ).filter((g) => g.length > 0);
  // `after` maps a step to its predecessors: walking it from `from` finds whether `to` precedes it.
  const precedes = (to: string, from: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (id === to) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(after.get(id) ?? []));
    }
    return false;
  };
  for (let i = 1; i < groups.length; i++) {
    for (const a of groups[i - 1] ?? []) {
      const last = mainOf(a).at(-1);
      for (const b of groups[i] ?? []) {
        const first = mainOf(b)[0];
        if (!last || !first) continue;
        // b's steps already (transitively) come before a's: the dependency order decides.
        if (precedes(first.id, last.id)) continue;
        edge(last, first);
      }
    }
  }
}

function checkComponentCycle(components: readonly ComponentConfig[]): void {
  const byName = new Map(components.map((c) => [c.name, c]));
  const cycle = findCycle(byName.keys(), (n) =>
    (byName.get(n)?.dependsOn ?? []).filter((d) => byName.has(d)),
  );
  if (!cycle) return;
  throw new BackoutError("CONFIG_CYCLE", `dependency cycle: ${cycle.join(" → ")}`, {
    hint: "remove one dependsOn entry of the cycle: rollback order needs a direction",
    where: cycle[0] === undefined ? undefined : { component: cycle[0], field: "dependsOn" },
    details: { cycle },
  });
}

/** Safety net: the edges above cannot form a cycle unless a rule is broken, but never hand one on. */
function checkStepCycle(all: readonly PlannedStep[]): void {
  const byId = new Map(all.map((s) => [s.id, s]));
  const cycle = findCycle(byId.keys(), (id) => byId.get(id)?.after ?? []);
  if (!cycle) return;
  throw new BackoutError("CONFIG_CYCLE", `step order has a cycle: ${cycle.join(" → ")}`, {
    hint: "check dependsOn and the phases of the steps the providers return",
    details: { cycle },
  });
}

/** Kahn's algorithm, always taking the ready step that comes first in file/step order. */
function topologicalOrder(all: PlannedStep[]): PlannedStep[] {
  const rank = new Map(all.map((s, i) => [s.id, i]));
  const waiting = new Map(all.map((s) => [s.id, s.after.length]));
  const successors = new Map<string, PlannedStep[]>();
  for (const s of all) {
    for (const p of s.after) {
      const list = successors.get(p);
      if (list) list.push(s);
      else successors.set(p, [s]);
    }
  }
  const byRank = (a: PlannedStep, b: PlannedStep): number => (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0);
  // A sorted ready list is fine here: plans have hundreds of steps, not millions.
  const ready = all.filter((s) => s.after.length === 0);
  const out: PlannedStep[] = [];
  while (ready.length > 0) {
    ready.sort(byRank);
    const s = ready.shift() as PlannedStep;
    out.push(s);
    for (const next of successors.get(s.id) ?? []) {
      const left = (waiting.get(next.id) ?? 0) - 1;
      waiting.set(next.id, left);
      if (left === 0) ready.push(next);
    }
  }
  return out;
}
