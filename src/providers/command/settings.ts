import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

function buildSchema() {
  const argv = z.array(z.string()).min(1);

  return z
    .strictObject({
      capture: argv.describe("Argument array (no shell); its trimmed standard output is the version."),
      apply: argv.describe(
        "Argument array that brings the component to a version; `{{target}}` inside any argument is replaced by the target version.",
      ),
      verify: argv
        .optional()
        .describe(
          "Argument array; exit 0 means the target is reached (`{{target}}` allowed). Default: capture and compare.",
        ),
      env: z
        .record(
          z.string().refine((k) => !k.startsWith("BACKOUT_"), {
            message: "BACKOUT_* variables are set by backout and cannot be overridden",
          }),
          z.string(),
        )
        .optional()
        .describe("Extra environment variables for every command."),
      timeout: durationSetting({ allowZero: false })
        .default("5m")
        .describe(`How long each command may run (at most 7 days): ${DURATION_HELP}. Default 5m.`),
      risk: z
        .strictObject({
          dataLoss: z
            .boolean()
            .describe("Whether applying may lose data (puts the step behind the data-loss gate)."),
          summary: z.string().min(1).describe("One line a person can judge in an incident."),
        })
        .optional()
        .describe('Declared risk of applying; default: no data loss, "runs <program>".'),
      estimate: durationSetting({ allowZero: false })
        .optional()
        .describe(
          `How long apply usually takes (${DURATION_HELP}): orders the rollback by critical path and feeds the plan's estimate.`,
        ),
      reversible: z.boolean().default(true).describe("Whether the apply command can itself be undone."),
      cwd: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Working directory of every command (relative: to the environment file; default: its directory).",
        ),
    })
    .describe("Any tool with a command line: capture, apply and verify as argument arrays.");
}

/** Built on its first use: `backout status` on an environment without command components never builds it. */
export const commandSettingsSchema = lazily(buildSchema);

export type CommandSettings = z.output<ReturnType<typeof commandSettingsSchema>>;

/** Parse again: cheap, applies defaults for hand-built components, and checks what we were given. */
export function readSettings(ctx: ProviderContext<CommandSettings>): CommandSettings {
  return readProviderSettings(commandSettingsSchema(), "command", ctx as ProviderContext<unknown>);
}
