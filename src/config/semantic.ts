/**
 * Checks that need the whole file rather than one field: every dependsOn and
 * compatibility name is a component, and dependencies have no cycle. They run on the
 * raw data (defensively) so they are reported together with schema problems.
 */
import { findCycle } from "../core/graph.js";
import type { RawProblem } from "./problems.js";
import { didYouMean } from "./suggest.js";

type Entry = Record<string, unknown>;

function isEntry(v: unknown): v is Entry {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function unknownName(name: string, known: string[], path: RawProblem["path"], what: string): RawProblem {
  return {
    code: "CONFIG_UNKNOWN_DEPENDENCY",
    message: `${what} names "${name}", which is not a component`,
    hint:
      `use one of the components: ${known.join(", ")}.${didYouMean(name, known)}` +
      " Or add a component with that name.",
    path,
  };
}

export function checkComponentReferences(data: unknown): RawProblem[] {
  const components = isEntry(data) ? data.components : undefined;
  if (!isEntry(components)) return [];
  const names = Object.keys(components);
  const known = new Set(names);
  const problems: RawProblem[] = [];
  const edges = new Map<string, string[]>();

  for (const [name, c] of Object.entries(components)) {
    if (!isEntry(c)) continue;
    const deps = Array.isArray(c.dependsOn) ? (c.dependsOn as unknown[]) : [];
    edges.set(
      name,
      deps.filter((d): d is string => typeof d === "string" && known.has(d)),
    );
    deps.forEach((d, i) => {
      if (typeof d === "string" && !known.has(d)) {
        problems.push(
          unknownName(d, names, ["components", name, "dependsOn", i], `components.${name}.dependsOn`),
        );
      }
    });
    const rules = Array.isArray(c.compatibility) ? (c.compatibility as unknown[]) : [];
    rules.forEach((rule, i) => {
      if (!isEntry(rule) || !isEntry(rule.requires)) return;
      for (const target of Object.keys(rule.requires)) {
        if (!known.has(target)) {
          const path = ["components", name, "compatibility", i, "requires", target];
          problems.push({
            ...unknownName(target, names, path, `a compatibility rule of ${name}`),
            at: "key",
          });
        }
      }
    });
  }

  const cycle = findCycle(names, (n) => edges.get(n) ?? []);
  const first = cycle?.[0];
  if (cycle && first !== undefined) {
    const self = cycle.length === 2;
    problems.push({
      code: "CONFIG_CYCLE",
      message: `dependency cycle: ${showCycle(cycle)}${self ? ` (${first} depends on itself)` : ""}`,
      hint: self
        ? `remove "${first}" from components.${first}.dependsOn`
        : "remove one of these dependsOn entries; a rollback needs an order in which every component comes after the ones that depend on it",
      path: ["components", first],
      at: "key",
    });
  }
  return problems;
}

/** A long cycle is named by its ends: thousands of names help nobody read the error. */
function showCycle(cycle: string[]): string {
  if (cycle.length <= 12) return cycle.join(" → ");
  const hidden = cycle.length - 10;
  return [...cycle.slice(0, 5), `… ${hidden} more …`, ...cycle.slice(-5)].join(" → ");
}
