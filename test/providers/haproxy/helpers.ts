import { wrapHaproxy } from "../../../src/providers/haproxy/plan.js";
import type { ComponentState, PlannedStep } from "../../../src/core/model.js";
import type { ProviderContext } from "../../../src/core/provider.js";
import { haproxyProvider, type HaproxySettings } from "../../../src/providers/haproxy/index.js";
import type { HaproxyService } from "../../support/haproxy.js";
import { contextFor, planned, type ContextOptions } from "../context.js";

export type HaCtx = ProviderContext<HaproxySettings>;

export function haCtx(
  ha: HaproxyService,
  settings: Record<string, unknown> = {},
  o: Pick<ContextOptions, "clock" | "signal"> = {},
): HaCtx {
  return contextFor(haproxyProvider, {
    name: "lb",
    baseDir: ha.dir,
    settings: { socket: ha.socket, backend: ha.backend, ...settings },
    ...o,
  });
}

/** Puts every server back to ready/100 behind backout's back, so each test starts the same. */
export async function resetServers(ha: HaproxyService): Promise<void> {
  for (const name of ha.servers) {
    await ha.command(`set server ${ha.backend}/${name} weight 100`);
    await ha.command(`set server ${ha.backend}/${name} state ready`);
  }
}

/** The state a checkpoint would hold for these servers. */
export function stateWith(
  servers: Record<string, { state: "ready" | "drain" | "maint"; weight: number }>,
): ComponentState {
  const version = Object.keys(servers)
    .sort()
    .map((n) => `${n}=${servers[n]?.state}/${servers[n]?.weight}`)
    .join(",");
  return { version, details: { backend: "app", servers } };
}

/** Plans from the live state to `target` and returns the planned steps, numbered like the planner does. */
export async function planTo(ctx: HaCtx, target: ComponentState): Promise<PlannedStep[]> {
  const current = await haproxyProvider.capture(ctx);
  const specs = await haproxyProvider.plan(ctx, current, target);
  return specs.map((s, i) => planned(ctx, s, i + 1));
}

/** The steps an unchanged haproxy wraps around other components' rollback, numbered like the planner does. */
export async function wrapNow(ctx: HaCtx): Promise<PlannedStep[]> {
  const current = await haproxyProvider.capture(ctx);
  const specs = await wrapHaproxy(ctx, current);
  return specs.map((s, i) => planned(ctx, s, i + 1));
}

/** Runs every step in order (pre, then post), as the executor would. */
export async function applyAll(ctx: HaCtx, steps: PlannedStep[]): Promise<void> {
  for (const step of steps) await haproxyProvider.apply(ctx, step);
}
