import { BackoutError } from "../../core/errors.js";
import type { ComponentState, StepPhase, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { readSettings, type NginxSettings } from "./settings.js";
import type { StateParams } from "./step-params.js";

// A graceful reload takes well under a second; the probe usually answers on its first or second try.
const RELOAD_MS = 1_000;

/**
 * Without pauseDuringRollback: one step to the target pool, in phase "pre" — in blue/green the
 * old pool still runs the old release, so sending traffic back to it is the fastest relief and
 * should not wait for the other components. With pauseDuringRollback: maintenance on ("pre",
 * on the current pool) and off on the target pool ("post"), wrapping the whole rollback.
 */
export function planNginx(
  ctx: ProviderContext<NginxSettings>,
  current: ComponentState,
  target: ComponentState,
): Promise<StepSpec[]> {
  // Nothing here waits on I/O; a rejected promise (not a synchronous throw) is what callers expect.
  return new Promise((resolve) => resolve(stepsFor(ctx, current, target)));
}

function stepsFor(
  ctx: ProviderContext<NginxSettings>,
  current: ComponentState,
  target: ComponentState,
): StepSpec[] {
  const settings = readSettings(ctx);
  if (current.version === target.version && maintenanceOf(current) === maintenanceOf(target)) {
    return [];
  }
  const to: StateParams = {
    pool: target.version,
    servers: serversOf(ctx, settings, target.version),
    maintenance: maintenanceOf(target),
  };

  const name = ctx.component.name;
  if (settings.pauseDuringRollback && current.version !== to.pool) {
    return [
      pauseStep(ctx, settings, current),
      step(
        "leave-maintenance",
        "post",
        to,
        `${name}: maintenance off, traffic to pool ${to.pool} (was ${current.version})`,
        `serves pool ${to.pool} again: ${to.servers.join(", ")}`,
      ),
    ];
  }
  if (current.version !== to.pool) {
    const state = to.maintenance ? " in maintenance" : "";
    return [
      step(
        "switch-pool",
        "pre",
        to,
        `${name}: traffic to pool ${to.pool}${state} (was ${current.version})`,
        `graceful nginx reload to ${to.servers.join(", ")}; requests in flight finish on the old workers`,
      ),
    ];
  }
  // Same pool, only the maintenance switch differs (e.g. an emergency procedure left it on).
  return [
    to.maintenance
      ? step(
          "enter-maintenance",
          "pre",
          to,
          `${name}: maintenance on, as at the checkpoint`,
          `every request gets ${settings.probe.maintenanceStatus}`,
        )
      : step(
          "leave-maintenance",
          "post",
          to,
          `${name}: maintenance off on pool ${to.pool}`,
          `serves pool ${to.pool} again`,
        ),
  ];
}

/** Maintenance on, "pre", on the pool served now: the first half of pauseDuringRollback. */
function pauseStep(
  ctx: ProviderContext<NginxSettings>,
  settings: NginxSettings,
  current: ComponentState,
): StepSpec {
  const status = settings.probe.maintenanceStatus;
  return step(
    "enter-maintenance",
    "pre",
    { pool: current.version, servers: currentServers(ctx, settings, current), maintenance: true },
    `${ctx.component.name}: maintenance on (nginx answers ${status}) during the rollback`,
    `every request gets ${status} until leave-maintenance`,
  );
}

function step(
  action: string,
  phase: StepPhase,
  s: StateParams,
  description: string,
  summary: string,
): StepSpec {
  return {
    action,
    description,
    phase,
    target: { version: s.pool, details: { maintenance: s.maintenance, servers: s.servers } },
    params: { pool: s.pool, servers: s.servers, maintenance: s.maintenance },
    risk: { dataLoss: false, summary: `${summary} (no data is touched)` },
    reversible: true,
    estimateMs: RELOAD_MS,
  };
}

function maintenanceOf(state: ComponentState): boolean {
  return state.details?.maintenance === true;
}

/** PLAN_INVALID naming the pool and the known ones when the settings no longer define it. */
export function serversOf(
  ctx: ProviderContext<NginxSettings>,
  settings: NginxSettings,
  pool: string,
): string[] {
  const servers = Object.hasOwn(settings.pools, pool) ? settings.pools[pool] : undefined;
  if (servers !== undefined) return servers;
  const known = Object.keys(settings.pools);
  throw new BackoutError(
    "PLAN_INVALID",
    `pool "${pool}" is not in the settings' pools (known: ${known.join(", ")})`,
    {
      where: { component: ctx.component.name, field: "pools" },
      hint: `Add pool "${pool}" with its servers under pools in backout.yaml, or pick a checkpoint whose pool is one of: ${known.join(", ")}.`,
      details: { pool, known },
    },
  );
}

// Maintenance keeps the current upstream; if the settings dropped its pool, the captured servers still say it.
function currentServers(
  ctx: ProviderContext<NginxSettings>,
  settings: NginxSettings,
  current: ComponentState,
): string[] {
  const captured = current.details?.servers;
  if (Object.hasOwn(settings.pools, current.version) || !isStringList(captured)) {
    return serversOf(ctx, settings, current.version);
  }
  return captured;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string");
}

/**
 * With pauseDuringRollback, an nginx that is itself already right still pauses the rollback of
 * the others: maintenance on first ("pre"), off last ("post"), on the pool it serves now.
 */
export function wrapNginx(ctx: ProviderContext<NginxSettings>, current: ComponentState): Promise<StepSpec[]> {
  return new Promise((resolve) => {
    const settings = readSettings(ctx);
    if (!settings.pauseDuringRollback || maintenanceOf(current)) return resolve([]);
    const servers = currentServers(ctx, settings, current);
    resolve([
      pauseStep(ctx, settings, current),
      step(
        "leave-maintenance",
        "post",
        { pool: current.version, servers, maintenance: false },
        `${ctx.component.name}: maintenance off, traffic to pool ${current.version} again`,
        `serves pool ${current.version} again`,
      ),
    ]);
  });
}
