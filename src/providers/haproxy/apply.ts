import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { StepResult } from "../../core/provider.js";
import { apiFor, type Ctx, dumpAllStates, readBackend, resolvePath } from "./live.js";
import { type RuntimeApi, sendSetCommand } from "./runtime-api.js";
import { differing, type Server, type Servers } from "./server-state.js";
import { readSettings } from "./settings.js";
import { writeStateFile } from "./state-file.js";
import { setServersParams } from "./step-params.js";

/**
 * Sends `set server` commands only for servers that differ, reads the backend back and
 * compares, then rewrites the state file. Running it again changes nothing and rewrites the file.
 */
export async function applyHaproxy(ctx: Ctx, step: PlannedStep): Promise<StepResult> {
  const settings = readSettings(ctx);
  const { backend, servers: want } = setServersParams(step);
  const api = apiFor(ctx, settings, step.id);
  const where: ErrorLocation = api.where;

  const live = await readBackend(api, backend);
  const gone = Object.keys(want).filter((n) => live[n] === undefined);
  if (gone.length > 0) {
    throw new BackoutError(
      "PROVIDER_FAILED",
      `backend ${backend} no longer has server(s) ${gone.join(", ")}`,
      {
        where,
        hint: "HAProxy's configuration changed since the plan; make a new plan.",
        details: { gone },
      },
    );
  }
  const lines: string[] = [];
  for (const name of differing(live, want)) {
    const from = live[name];
    const to = want[name];
    if (from && to) lines.push(await setServer(api, backend, name, from, to));
  }
  if (lines.length === 0) lines.push(`${backend}: already as planned`);

  const after = await readBackend(api, backend);
  const wrong = differing(after, want);
  if (wrong.length > 0) throw readBackMismatch(where, backend, wrong, after, want);

  if (settings.stateFile !== undefined) {
    const path = resolvePath(ctx, settings.stateFile);
    await writeStateFile(path, await dumpAllStates(api), where);
    lines.push(`state file written: ${path}`);
  }
  return { output: ctx.redact(lines.join("\n")) };
}

/** A server coming back gets its weight before it takes traffic; one going out leaves first. */
async function setServer(
  api: RuntimeApi,
  backend: string,
  name: string,
  from: Server,
  to: Server,
): Promise<string> {
  const target = `${backend}/${name}`;
  const setState = () => sendSetCommand(api, `set server ${target} state ${to.state}`);
  const setWeight = () => sendSetCommand(api, `set server ${target} weight ${to.weight}`);
  const stateChanges = from.state !== to.state;
  const weightChanges = from.weight !== to.weight;
  if (to.state === "ready") {
    if (weightChanges) await setWeight();
    if (stateChanges) await setState();
  } else {
    if (stateChanges) await setState();
    if (weightChanges) await setWeight();
  }
  const parts: string[] = [];
  if (stateChanges) parts.push(`${from.state} → ${to.state}`);
  if (weightChanges) parts.push(`weight ${from.weight} → ${to.weight}`);
  return `${target}: ${parts.join(", ")}`;
}

function readBackMismatch(
  where: ErrorLocation,
  backend: string,
  wrong: string[],
  after: Servers,
  want: Servers,
): BackoutError {
  const show = (s: Server | undefined) => (s ? `${s.state}/${s.weight}` : "missing");
  const list = wrong.map((n) => `${n} is ${show(after[n])}, wanted ${show(want[n])}`).join("; ");
  return new BackoutError(
    "PROVIDER_FAILED",
    `HAProxy accepted the changes but reads back differently: ${list}`,
    {
      where,
      // Someone else (a health check tracking another server, an operator) may be changing it too.
      retryable: true,
      hint: `Check for \`track\` lines or other tools driving backend ${backend}; resume to try again.`,
      details: { backend, wrong },
    },
  );
}
