import { durationMs } from "../../config/durations.js";
import { basename } from "node:path";
import { BackoutError } from "../../core/errors.js";
import type { ComponentState, PlannedStep, StepSpec } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { runComponentCommand } from "./run.js";
import { readSettings, type CommandSettings } from "./settings.js";
import { plannedCurrent } from "./step-params.js";
import { fillTarget } from "./template.js";

const OUTPUT_TAIL = 2000;

type Ctx = ProviderContext<CommandSettings>;

/** The capture command's trimmed stdout is the version. */
export async function captureCommand(ctx: Ctx): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const out = await runComponentCommand(ctx, settings, { argv: settings.capture, versions: {}, ok: true });
  const version = out.stdout.trim();
  if (version === "") {
    throw new BackoutError(
      "PROVIDER_FAILED",
      `capture command printed no version: ${ctx.redact(settings.capture.join(" "))}`,
      {
        where: { component: ctx.component.name },
        retryable: true,
        hint: "The capture command must print the current version on standard output.",
      },
    );
  }
  return { version };
}

export function planCommand(ctx: Ctx, current: ComponentState, target: ComponentState): Promise<StepSpec[]> {
  if (current.version === target.version) return Promise.resolve([]);
  const settings = readSettings(ctx);
  const program = programName(settings.apply);
  return Promise.resolve([
    {
      action: "run-command",
      description: `run ${program} for ${ctx.component.name}: ${current.version} → ${target.version}`,
      target: { version: target.version },
      // What will run, for the reviewer and the hash: the argument array, the names of the extra
      // environment variables (their values may be secret) and the directory. apply() runs it from
      // the settings, which the executor has checked are the planned ones (PLAN_STALE otherwise).
      params: {
        current: current.version,
        target: target.version,
        argv: fillTarget(settings.apply, target.version),
        envNames: Object.keys(settings.env ?? {}).sort(),
        cwd: settings.cwd ?? ".",
      },
      risk: settings.risk ?? { dataLoss: false, summary: `runs ${program}` },
      reversible: settings.reversible,
      estimateMs: settings.estimate === undefined ? 1_000 : durationMs(settings.estimate),
    },
  ]);
}

export async function applyCommand(ctx: Ctx, step: PlannedStep): Promise<StepResult> {
  const settings = readSettings(ctx);
  const target = step.target.version;
  const out = await runComponentCommand(ctx, settings, {
    argv: fillTarget(settings.apply, target),
    versions: { target, current: plannedCurrent(step) },
    step: step.id,
    ok: true,
  });
  // runCommand already redacted stdout/stderr.
  const text = [out.stdout, out.stderr].filter((s) => s !== "").join("\n");
  return { output: text.length > OUTPUT_TAIL ? `…${text.slice(-OUTPUT_TAIL)}` : text };
}

/** With a verify command: exit 0 means reached. Without: capture again and compare. */
export async function verifyCommand(ctx: Ctx, step: PlannedStep): Promise<boolean> {
  const settings = readSettings(ctx);
  const target = step.target.version;
  const versions = { target, current: plannedCurrent(step) };
  if (settings.verify !== undefined) {
    const out = await runComponentCommand(ctx, settings, {
      argv: fillTarget(settings.verify, target),
      versions,
      step: step.id,
      ok: false,
    });
    return out.exitCode === 0;
  }
  const out = await runComponentCommand(ctx, settings, {
    argv: settings.capture,
    versions,
    step: step.id,
    ok: true,
  });
  return out.stdout.trim() === target;
}

// Only the program's base name goes into descriptions: paths are noise and arguments may be secret.
function programName(argv: readonly string[]): string {
  return basename(argv[0] ?? "command");
}
