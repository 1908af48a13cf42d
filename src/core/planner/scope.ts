import { BackoutError } from "../errors.js";
import type { ComponentConfig, ComponentState } from "../model.js";
import { versionSatisfies } from "./version-match.js";

export interface ScopeInput {
  /** In config file order. */
  components: ComponentConfig[];
  current: Record<string, ComponentState>;
  /** The checkpoint's states. */
  target: Record<string, ComponentState>;
  only: string[];
  except: string[];
  /** A provider's own reading of a range (git tags); undefined falls back to version comparison. */
  satisfies?: StateMatcher;
}

export type StateMatcher = (
  component: ComponentConfig,
  state: ComponentState,
  range: string,
) => boolean | undefined;

export interface ScopeEntry {
  reason: "selected" | "pulled-in";
  /** For pulled-in components: the requirement that pulled it in. */
  because?: string;
}

export interface Scope {
  /** Components in the rollback, in config file order. */
  selected: Map<string, ScopeEntry>;
}

/**
 * Which components roll back: the user's choice (--only / --except, or everything), closed
 * under compatibility rules. Only compatibility pulls components in; dependsOn is about order.
 * A rule is judged against each component's end state: its checkpoint state when it rolls
 * back, its current state when it does not.
 */
export function resolveScope(input: ScopeInput): Scope {
  const { components, current, target } = input;
  const byName = new Map(components.map((c) => [c.name, c]));
  checkKnown(input.only, "--only", byName);
  checkKnown(input.except, "--except", byName);

  const excluded = new Set(input.except);
  const only = new Set(input.only);
  const chosen = new Map<string, ScopeEntry>();
  for (const c of components) {
    if ((only.size === 0 || only.has(c.name)) && !excluded.has(c.name)) {
      chosen.set(c.name, { reason: "selected" });
    }
  }
  checkInCheckpoint([...chosen.keys()], target);

  // Fixpoint: pulling a component in changes its end state, which other rules may already have
  // looked at, so passes repeat until one pulls nothing in. Selection only grows: at most n passes.
  let changed = true;
  while (changed) {
    changed = false;
    for (const c of components) {
      if (!chosen.has(c.name)) continue;
      for (const pulled of checkRules(c, chosen, excluded, byName, current, target, input.satisfies)) {
        chosen.set(pulled.name, { reason: "pulled-in", because: pulled.because });
        changed = true;
      }
    }
  }

  // Report in config order, not in the order things were pulled in.
  const selected = new Map<string, ScopeEntry>();
  for (const c of components) {
    const entry = chosen.get(c.name);
    if (entry) selected.set(c.name, entry);
  }
  return { selected };
}

/**
 * The components whose live state a plan needs: those the user chose, plus every component a
 * compatibility rule of theirs names when the rule applies to their checkpoint version, and so
 * on transitively (the rule's judgement needs that component's current state). Only these are
 * captured: `--only web` never reads a database web's rules do not name. In config order.
 */
export function scopeCandidates(input: Omit<ScopeInput, "current">): string[] {
  const { components, target } = input;
  const byName = new Map(components.map((c) => [c.name, c]));
  checkKnown(input.only, "--only", byName);
  checkKnown(input.except, "--except", byName);
  const only = new Set(input.only);
  const excluded = new Set(input.except);
  const need = new Set(
    components
      .filter((c) => (only.size === 0 || only.has(c.name)) && !excluded.has(c.name))
      .map((c) => c.name),
  );
  const queue = [...need];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const c = byName.get(name);
    const state = target[name];
    if (!c || !state) continue;
    for (const rule of c.compatibility) {
      const own = input.satisfies?.(c, state, rule.when);
      if (!(own ?? versionSatisfies(state.version, rule.when))) continue;
      for (const dep of Object.keys(rule.requires)) {
        if (byName.has(dep) && !need.has(dep)) {
          need.add(dep);
          queue.push(dep);
        }
      }
    }
  }
  return components.filter((c) => need.has(c.name)).map((c) => c.name);
}

interface PullIn {
  name: string;
  because: string;
}

/** Checks every applicable rule of `c`; returns the components that must be pulled in. */
function checkRules(
  c: ComponentConfig,
  chosen: ReadonlyMap<string, ScopeEntry>,
  excluded: ReadonlySet<string>,
  byName: ReadonlyMap<string, ComponentConfig>,
  current: Record<string, ComponentState>,
  target: Record<string, ComponentState>,
  matcher: StateMatcher | undefined,
): PullIn[] {
  const cTarget = target[c.name]?.version;
  if (cTarget === undefined) return [];
  const fits = (name: string, state: ComponentState | undefined, range: string): boolean => {
    if (state === undefined) return false;
    const component = byName.get(name);
    const own = component && matcher ? matcher(component, state, range) : undefined;
    return own ?? versionSatisfies(state.version, range);
  };
  const pulled: PullIn[] = [];
  for (const rule of c.compatibility) {
    if (!fits(c.name, target[c.name], rule.when)) continue;
    for (const [dep, range] of Object.entries(rule.requires)) {
      if (!byName.has(dep)) {
        throw new BackoutError(
          "CONFIG_UNKNOWN_DEPENDENCY",
          `${c.name}'s compatibility rule names unknown component ${dep}`,
          {
            hint: `fix the rule or add ${dep} to the environment file; known components: ${[...byName.keys()].join(", ")}`,
            where: { component: c.name, field: "compatibility" },
          },
        );
      }
      const requirement = `${c.name}@${cTarget} requires ${dep} ${range}`;
      const depCurrent = current[dep]?.version;
      const depTarget = target[dep]?.version;
      const facts = {
        component: c.name,
        version: cTarget,
        requires: dep,
        range,
        current: depCurrent,
        checkpoint: depTarget,
      };
      if (chosen.has(dep)) {
        if (fits(dep, target[dep], range)) continue;
        throw new BackoutError(
          "COMPATIBILITY_UNSATISFIABLE",
          `${requirement}, but the checkpoint has ${dep} at ${show(depTarget)} (now ${show(depCurrent)}): no compatible state exists in this checkpoint`,
          {
            hint: `roll back to another checkpoint, or adjust ${c.name}'s compatibility rule if it is wrong`,
            where: { component: c.name },
            details: facts,
          },
        );
      }
      if (fits(dep, current[dep], range)) continue;
      if (excluded.has(dep)) {
        throw new BackoutError(
          "COMPATIBILITY_UNSATISFIABLE",
          `${requirement}; ${dep} is now at ${show(depCurrent)} (checkpoint: ${show(depTarget)}) and is excluded by --except`,
          {
            hint: `remove ${dep} from --except so it rolls back too, or roll back to another checkpoint`,
            where: { component: c.name },
            details: facts,
          },
        );
      }
      if (!fits(dep, target[dep], range)) {
        throw new BackoutError(
          "COMPATIBILITY_UNSATISFIABLE",
          `${requirement}; ${dep} is now at ${show(depCurrent)} and at ${show(depTarget)} in the checkpoint: neither satisfies it`,
          {
            hint: `roll back to another checkpoint, or include/adjust ${dep} (or ${c.name}'s compatibility rule) so a compatible state exists`,
            where: { component: c.name },
            details: facts,
          },
        );
      }
      if (!pulled.some((p) => p.name === dep)) {
        pulled.push({ name: dep, because: `${requirement}; ${dep} is now at ${show(depCurrent)}` });
      }
    }
  }
  return pulled;
}

function show(version: string | undefined): string {
  return version ?? "(unknown)";
}

function checkKnown(names: string[], flag: string, byName: ReadonlyMap<string, ComponentConfig>): void {
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length === 0) return;
  const known = [...byName.keys()].join(", ");
  throw new BackoutError(
    "UNKNOWN_COMPONENT",
    `unknown component${unknown.length > 1 ? "s" : ""} in ${flag}: ${unknown.join(", ")}`,
    {
      hint: `known components: ${known}`,
      details: { unknown, known: [...byName.keys()] },
    },
  );
}

function checkInCheckpoint(names: string[], target: Record<string, ComponentState>): void {
  const missing = names.filter((n) => target[n] === undefined);
  if (missing.length === 0) return;
  const first = missing[0];
  throw new BackoutError("PLAN_INVALID", `the checkpoint has no state for ${missing.join(", ")}`, {
    hint: `${missing.length > 1 ? "they were" : "it was"} added after the checkpoint: leave ${missing.length > 1 ? "them" : "it"} out with --except ${missing.join(",")}`,
    where: first === undefined ? undefined : { component: first },
    details: { missing },
  });
}
