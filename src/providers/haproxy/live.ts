import { durationMs } from "../../config/durations.js";
import { isAbsolute, resolve } from "node:path";
import { BackoutError } from "../../core/errors.js";
import type { ProviderContext } from "../../core/provider.js";
import { refusal, type RuntimeApi, sendCommand } from "./runtime-api.js";
import type { Servers } from "./server-state.js";
import type { HaproxySettings } from "./settings.js";
import { parseStateDump } from "./state-dump.js";

export type Ctx = ProviderContext<HaproxySettings>;

export function resolvePath(ctx: Ctx, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.baseDir, path);
}

export function apiFor(ctx: Ctx, settings: HaproxySettings, step?: string): RuntimeApi {
  return {
    socket: resolvePath(ctx, settings.socket),
    timeoutMs: durationMs(settings.timeout),
    clock: ctx.clock,
    signal: ctx.signal,
    where: { component: ctx.component.name, step },
  };
}

/** Every server of the backend, as HAProxy reports it now. */
export async function readBackend(api: RuntimeApi, backend: string): Promise<Servers> {
  const command = `show servers state ${backend}`;
  const answer = await sendCommand(api, command);
  if (/can't find backend/i.test(answer)) {
    const known = await listBackends(api);
    throw new BackoutError("CONFIG_INVALID", `HAProxy has no backend "${backend}" (socket ${api.socket})`, {
      where: { ...api.where, field: "backend" },
      hint: `Set \`backend\` to one of HAProxy's backends: ${known.length > 0 ? known.join(", ") : "none found"}.`,
      details: { backends: known },
    });
  }
  const rows = parseStateDump(answer);
  if (rows === undefined) throw refusal(api, command, answer);
  const servers: Servers = {};
  for (const row of rows) {
    if (row.backend === backend) servers[row.server] = { state: row.state, weight: row.weight };
  }
  return servers;
}

/** The whole `show servers state` dump, exactly as HAProxy wants it back in a server-state file. */
export async function dumpAllStates(api: RuntimeApi): Promise<string> {
  const command = "show servers state";
  const answer = await sendCommand(api, command);
  if (parseStateDump(answer) === undefined) throw refusal(api, command, answer);
  return `${answer}\n`;
}

async function listBackends(api: RuntimeApi): Promise<string[]> {
  try {
    const answer = await sendCommand(api, "show backend");
    return answer
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#") && !l.startsWith("MASTER"))
      .slice(0, 30);
  } catch {
    return []; // only for the hint
  }
}
