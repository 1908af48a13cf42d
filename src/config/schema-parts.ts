/**
 * Reusable pieces of the backout.yaml schema: names, durations, command specs and the
 * small enums. Each carries a description so the exported JSON Schema gives editor help.
 */
import { basename } from "node:path";
import * as z from "zod";
import { LAYERS } from "../core/model.js";
import type { CommandSpec } from "./types.js";
import { DURATION_PATTERN, formatDuration, MAX_DURATION_MS, parseDuration } from "./durations.js";

// Spelled without the i flag so the JSON Schema pattern means the same to editors.
export const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export const componentName = z.string().regex(COMPONENT_NAME, {
  error: "a component name must start with a letter or digit and contain only letters, digits, _ and -",
});

export const DURATION_HELP =
  'a duration: a number of seconds, or a string like "500ms", "30s", "15m", "1h30m"';

/** The accepted forms and the range; `duration` and `durationSetting` differ only in what they keep. */
function durationInput(opts: { allowZero: boolean }) {
  return z
    .union(
      [
        z.number().nonnegative({ error: `expected ${DURATION_HELP}; negative values are not allowed` }),
        z.string().regex(DURATION_PATTERN, { error: `expected ${DURATION_HELP}` }),
      ],
      { error: `expected ${DURATION_HELP}` },
    )
    .superRefine((v, ctx) => {
      const ms = parseDuration(v);
      // Not a duration at all: the union has said so already.
      if (ms === undefined) return;
      if (ms === 0 && !opts.allowZero) ctx.addIssue({ code: "custom", message: "must be longer than zero" });
      // Infinity (1e308 s) and 30d alike: refused by name instead of overflowing a timer later.
      if (!(ms <= MAX_DURATION_MS)) {
        ctx.addIssue({
          code: "custom",
          message: `must be at most ${formatDuration(MAX_DURATION_MS)} (7 days)`,
        });
      }
    });
}

const DURATION_META = { description: DURATION_HELP, examples: ["30s", "15m", "1h30m", 60] };

/** A duration in the file (number of seconds or "1h30m"), in milliseconds after parsing. */
export function duration(opts: { allowZero: boolean }) {
  return durationInput(opts)
    .transform((v) => parseDuration(v) ?? 0)
    .meta(DURATION_META);
}

/**
 * A provider setting's duration: the same forms and range as `duration`, kept as written
 * (read it with `durationMs`). Providers parse their settings twice (the loader, then the
 * provider's readSettings), so a value turned into milliseconds would be read again as seconds.
 */
export function durationSetting(opts: { allowZero: boolean }) {
  return durationInput(opts).meta(DURATION_META);
}

/** An HTTP status code (100 to 599) expected of an answer, `fallback` when not given. */
export function httpStatus(fallback: number) {
  return z.number().int().min(100).max(599).default(fallback);
}

export const layer = z.enum(LAYERS as [string, ...string[]]).meta({
  description: "Where the component sits in the rollback order: traffic, app, database, config or cache.",
});

export const dataLossPolicy = z.enum(["confirm", "archive", "refuse"]).meta({
  description:
    "What to do with a step that may lose data: confirm (pause until someone approves the plan), " +
    "archive (keep the data in an archive, no gate) or refuse (never apply such a step).",
});

const argv = z
  .array(z.string())
  .min(1, { error: "the command needs at least the program to run" })
  .meta({
    description: "Argument array, program first. Never run through a shell.",
    examples: [["/usr/local/bin/page-oncall", "--severity", "high"]],
  });

const commandObject = z
  .object({
    name: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Label in output; defaults to the program name." }),
    command: argv,
    timeout: duration({ allowZero: false })
      .prefault("60s")
      .meta({ description: `How long the command may run: ${DURATION_HELP}. Default 60s.` }),
    env: z
      .record(z.string(), z.string())
      .default({})
      .meta({ description: "Extra environment variables for the command." }),
  })
  .strict();

function toCommandSpec(input: z.output<typeof commandObject> | string[]): CommandSpec {
  const spec = Array.isArray(input) ? { command: input, timeout: 60_000, env: {} } : input;
  const program = spec.command[0] ?? "";
  return {
    name: ("name" in spec ? spec.name : undefined) ?? basename(program),
    command: spec.command,
    timeoutMs: spec.timeout,
    env: spec.env,
  };
}

/** `{ command: [...], timeout?, env?, name? }`, or just the argument array. */
export const commandSpec = z
  .union([argv, commandObject], {
    error:
      'expected a command: an argument array like ["notify", "--urgent"] or { command: [...], timeout: "60s" }',
  })
  .transform(toCommandSpec)
  .meta({ description: "A command to run: an argument array, or { command, timeout, env, name }." });
