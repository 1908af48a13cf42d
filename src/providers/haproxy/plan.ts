import { BackoutError } from "../../core/errors.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import { stateOf } from "./capture.js";
import type { Ctx } from "./live.js";
import { differing, pick, type Servers } from "./server-state.js";
import { readSettings } from "./settings.js";
import { serversOf } from "./step-params.js";

const COMMAND_MS = 50;

/**
 * Traffic leaves early and comes back late. At most two steps, both `set-servers`-style:
 * - "pre" `drain-servers`: servers the checkpoint has in drain/maint are taken out now, and
 *   `drainDuringRollback` servers are drained, before any other component moves;
 * - "post" `set-servers`: every server of the checkpoint gets its state and weight back (the
 *   drained ones included), after every other component is back.
 * Servers that are not in the checkpoint (added since) are left as they are.
 */
export function planHaproxy(ctx: Ctx, current: ComponentState, target: ComponentState): Promise<StepSpec[]> {
  // Through a promise, so a refusal rejects instead of throwing at the caller. Unchanged servers
  // plan nothing here; their drain around other components' rollback comes from wrapHaproxy.
  return Promise.resolve().then(() =>
    current.version === target.version ? [] : planSteps(ctx, current, target),
  );
}

/** Servers already as at the checkpoint still drain (drainDuringRollback) while the others roll back. */
export function wrapHaproxy(ctx: Ctx, current: ComponentState): Promise<StepSpec[]> {
  return Promise.resolve().then(() => planSteps(ctx, current, current));
}

function planSteps(ctx: Ctx, current: ComponentState, target: ComponentState): StepSpec[] {
  const settings = readSettings(ctx);
  const component = ctx.component.name;
  const cur = serversOf(current, component, "current");
  const tgt = serversOf(target, component, "checkpoint");
  assertKnown(component, settings.backend, cur, Object.keys(tgt), "the checkpoint has");
  assertKnown(component, settings.backend, cur, settings.drainDuringRollback, "drainDuringRollback names");

  const pre: Servers = {};
  for (const [name, want] of Object.entries(tgt)) {
    if (want.state !== "ready") pre[name] = want;
  }
  for (const name of settings.drainDuringRollback) {
    const now = pre[name] ?? cur[name];
    if (now?.state === "ready") pre[name] = { state: "drain", weight: now.weight };
  }
  const preChanges = pick(pre, differing(cur, pre));
  const afterPre: Servers = { ...cur, ...preChanges };
  const post: Servers = { ...pick(cur, settings.drainDuringRollback), ...tgt };
  const postChanges = pick(post, differing(afterPre, post));

  const steps: StepSpec[] = [];
  if (Object.keys(preChanges).length > 0) {
    steps.push(preStep(settings.backend, preChanges, cur, afterPre));
  }
  if (Object.keys(postChanges).length > 0) {
    // Params keep every server the post step owns, so a resume after a crash restores them all.
    const owned = pick(post, [...Object.keys(tgt), ...settings.drainDuringRollback]);
    steps.push(postStep(settings.backend, owned, postChanges, afterPre));
  }
  return steps;
}

function preStep(backend: string, changes: Servers, cur: Servers, after: Servers): StepSpec {
  const readyLeft = Object.values(after).filter((s) => s.state === "ready" && s.weight > 0).length;
  const names = Object.keys(changes).sort();
  return {
    action: "drain-servers",
    description: `before the rollback, take traffic off backend ${backend}: ${describe(changes, cur)}`,
    phase: "pre",
    target: stateOf(backend, after),
    params: { backend, servers: changes },
    risk: {
      dataLoss: false,
      summary:
        readyLeft === 0
          ? `no managed server of ${backend} stays ready: it serves nothing until the post step`
          : `${names.join(", ")} stop taking new requests (drain lets open ones finish); ${readyLeft} managed server(s) stay ready`,
    },
    reversible: true,
    estimateMs: COMMAND_MS * (2 * names.length + 2),
  };
}

function postStep(backend: string, owned: Servers, changes: Servers, before: Servers): StepSpec {
  const names = Object.keys(changes);
  return {
    action: "set-servers",
    description: `after the rollback, restore backend ${backend}: ${describe(changes, before)}`,
    phase: "post",
    target: stateOf(backend, { ...before, ...owned }),
    params: { backend, servers: owned },
    risk: { dataLoss: false, summary: "server states and weights only; no data touched" },
    reversible: true,
    estimateMs: COMMAND_MS * (2 * names.length + 2),
  };
}

/** "web2 ready→maint, web1 weight 50→100" */
function describe(changes: Servers, from: Servers): string {
  return Object.keys(changes)
    .sort()
    .map((name) => {
      const want = changes[name];
      const was = from[name];
      const parts: string[] = [];
      if (want && was && was.state !== want.state) parts.push(`${was.state}→${want.state}`);
      if (want && was && was.weight !== want.weight) parts.push(`weight ${was.weight}→${want.weight}`);
      return `${name} ${parts.join(" ")}`;
    })
    .join(", ");
}

function assertKnown(
  component: string,
  backend: string,
  cur: Servers,
  names: readonly string[],
  what: string,
): void {
  const unknown = names.filter((n) => cur[n] === undefined);
  if (unknown.length === 0) return;
  throw new BackoutError(
    "PLAN_INVALID",
    `${what} server(s) ${unknown.map((n) => `"${n}"`).join(", ")} that backend ${backend} does not manage now`,
    {
      where: { component },
      hint: `Add the server(s) back to backend ${backend} (and to \`servers\` if set), or pick another checkpoint. Managed now: ${
        Object.keys(cur).sort().join(", ") || "none"
      }.`,
      details: { unknown, managed: Object.keys(cur).sort() },
    },
  );
}
