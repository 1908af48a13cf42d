import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import type { CommandOutput } from "../../process/run-command.js";
import { readIfExists, restoreFile, writeAtomic } from "./atomic-file.js";
import { renderInclude } from "./include-file.js";
import { nginxSaid, pathsOf, runNginx, type NginxRun } from "./nginx-cli.js";
import { expectationFor, probeUntil } from "./probe.js";
import { readSettings, type NginxSettings } from "./settings.js";
import { type StateParams, stateParams } from "./step-params.js";

type Ctx = ProviderContext<NginxSettings>;

/** The include text a step's state renders to, with the component's settings. */
export function includeTextFor(ctx: Ctx, settings: NginxSettings, s: StateParams): string {
  return renderInclude(
    { upstream: settings.upstream, pool: s.pool, servers: s.servers, maintenance: s.maintenance },
    { component: ctx.component.name, variablePrefix: settings.variablePrefix },
  );
}

/**
 * Write the include atomically, `nginx -t`, `nginx -s reload`, then probe until the live
 * endpoint answers as the new state should. When -t or the reload is refused, the previous
 * include goes back, so the file keeps saying what nginx serves. Idempotent: a repeat finds
 * the text in place and only tests, reloads (graceful, harmless) and probes again — which is
 * what a crash between the write and the reload needs.
 */
export async function applyNginx(ctx: Ctx, step: PlannedStep): Promise<StepResult> {
  const settings = readSettings(ctx);
  const params = stateParams(step);
  const paths = pathsOf(ctx, settings);
  const run: NginxRun = { ctx, settings, paths, step: step.id };
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  if (ctx.signal.aborted)
    throw new BackoutError("STEP_CANCELLED", "step cancelled before the switch", { where });

  const text = includeTextFor(ctx, settings, params);
  const previous = await fsStep(() => readIfExists(paths.include), `cannot read ${paths.include}`, where);
  const changed = previous !== text;
  if (changed) await fsStep(() => writeAtomic(paths.include, text), `cannot write ${paths.include}`, where);
  const undo = changed ? () => restoreFile(paths.include, previous) : () => Promise.resolve();

  const tested = await guarded(() => runNginx(run, ["-t"]), undo);
  if (tested.exitCode !== 0) {
    const restored = await undoneText(undo);
    throw new BackoutError(
      "PROVIDER_FAILED",
      ctx.redact(
        `nginx -t rejected the configuration for pool ${params.pool}; previous include ${restored}, nginx not reloaded:\n${nginxSaid(tested)}`,
      ),
      {
        where,
        retryable: false, // the same text will be refused again
        hint: `nginx keeps serving the old configuration. Fix what nginx names above (often a server address in pools.${params.pool} in backout.yaml, or nginx.conf itself), then resume the rollback.`,
        details: { exitCode: tested.exitCode, include: paths.include, restored: restored === "restored" },
      },
    );
  }
  const reloaded = await guarded(() => runNginx(run, ["-s", "reload"]), undo);
  if (reloaded.exitCode !== 0) {
    const restored = await undoneText(undo);
    throw new BackoutError(
      "PROVIDER_FAILED",
      ctx.redact(`nginx -s reload failed; previous include ${restored}:\n${nginxSaid(reloaded)}`),
      {
        where,
        retryable: true, // nginx may be restarting; the configuration itself passed -t
        hint: "Check that this nginx is running and that its pid file (from the config given as -c) is readable by backout, then resume.",
        details: { exitCode: reloaded.exitCode },
      },
    );
  }
  const expected = expectationFor(settings.probe, params.pool, params.maintenance);
  const attempts = await probeUntil(ctx, settings.probe, expected, step.id);
  const lines = [
    changed ? `include ${paths.include} → pool ${params.pool}` : `include already at pool ${params.pool}`,
    `maintenance ${params.maintenance ? "on" : "off"}; nginx -t ok; reloaded`,
    `GET ${settings.probe.url} → ${expected.status} (probe attempt ${attempts})`,
  ];
  return { output: ctx.redact(lines.join("\n")) };
}

/** Puts the previous include back; says how that went, for the error's message. */
function undoneText(undo: () => Promise<void>): Promise<string> {
  return undo().then(
    () => "restored",
    (e: unknown) => `NOT restored (${String(e)})`,
  );
}

/** If nginx could not even run (missing binary, timeout), put the old include back before reporting it. */
async function guarded(fn: () => Promise<CommandOutput>, undo: () => Promise<void>): Promise<CommandOutput> {
  try {
    return await fn();
  } catch (e) {
    await undo().catch(() => undefined);
    throw e;
  }
}

async function fsStep<T>(fn: () => Promise<T>, message: string, where: ErrorLocation): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
    const permanent = code === "EACCES" || code === "EPERM" || code === "EROFS" || code === "EISDIR";
    throw new BackoutError("PROVIDER_FAILED", `${message}: ${e instanceof Error ? e.message : String(e)}`, {
      where,
      cause: e,
      retryable: !permanent,
      hint: "Check that backout may write the include file's directory (the temporary file is made beside it).",
    });
  }
}
