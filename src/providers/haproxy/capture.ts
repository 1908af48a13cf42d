import { BackoutError } from "../../core/errors.js";
import type { ComponentState } from "../../core/model.js";
import { apiFor, type Ctx, readBackend } from "./live.js";
import { type Servers, versionOf } from "./server-state.js";
import { type HaproxySettings, readSettings } from "./settings.js";

/** Version "web1=ready/100,web2=maint/0" (sorted), details {backend, servers: {name: {state, weight}}}. */
export async function captureHaproxy(ctx: Ctx): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const managed = await readManaged(ctx, settings);
  return stateOf(settings.backend, managed);
}

export function stateOf(backend: string, servers: Servers): ComponentState {
  return { version: versionOf(servers), details: { backend, servers } };
}

/** The managed servers' live states; a configured server missing from the backend is a config error. */
export async function readManaged(ctx: Ctx, settings: HaproxySettings, step?: string): Promise<Servers> {
  const live = await readBackend(apiFor(ctx, settings, step), settings.backend);
  const names = settings.servers ?? Object.keys(live);
  const missing = names.filter((n) => live[n] === undefined);
  if (missing.length > 0) {
    throw new BackoutError(
      "CONFIG_INVALID",
      `backend "${settings.backend}" has no server ${missing.map((n) => `"${n}"`).join(", ")}`,
      {
        where: { component: ctx.component.name, step, field: "servers" },
        hint: `List only servers of the backend in \`servers\` (it has: ${Object.keys(live).sort().join(", ") || "none"}).`,
        details: { missing, available: Object.keys(live).sort() },
      },
    );
  }
  if (names.length === 0) {
    throw new BackoutError("CONFIG_INVALID", `backend "${settings.backend}" has no servers`, {
      where: { component: ctx.component.name, step, field: "backend" },
      hint: "Point `backend` at a backend with `server` lines.",
    });
  }
  const out: Servers = {};
  for (const n of [...names].sort()) {
    const s = live[n];
    if (s) out[n] = s;
  }
  return out;
}
