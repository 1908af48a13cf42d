import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

/**
 * HAProxy's own rule for proxy and server names. Checking it here also means no name can
 * smuggle a space, `;` or newline into a runtime API command line.
 */
export const NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;
export const haproxyName = z.string().regex(NAME_PATTERN, {
  message: "HAProxy names use only letters, digits, '-', '_', '.' and ':'",
});

function buildSchema() {
  return z
    .strictObject({
      socket: z
        .string()
        .min(1)
        .describe(
          "Path of HAProxy's runtime API socket (`stats socket <path> mode 600 level admin` in the global section); relative: to the environment file.",
        ),
      backend: haproxyName.describe("Name of the backend whose servers backout manages."),
      servers: z
        .array(haproxyName)
        .min(1)
        .optional()
        .describe(
          "Servers of the backend whose state and weight backout captures and restores (default: all).",
        ),
      stateFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Server-state file rewritten (atomically) after every change so a reload keeps it: the path of `server-state-file` in the global section, loaded with `load-server-state-from-file global` in defaults.",
        ),
      drainDuringRollback: z
        .array(haproxyName)
        .default([])
        .describe(
          "Servers put in drain in a `pre` step (before any other component is rolled back) and restored in the `post` step, e.g. the servers of the application being rolled back.",
        ),
      timeout: durationSetting({ allowZero: false })
        .default("5s")
        .describe(`How long one runtime API command may take: ${DURATION_HELP}. Default 5s.`),
    })
    .describe("HAProxy server states (ready, drain, maint) and weights, through the runtime API.");
}

/** Built on its first use: `backout status` on an environment without haproxy components never builds it. */
export const haproxySettingsSchema = lazily(buildSchema);

export type HaproxySettings = z.output<ReturnType<typeof haproxySettingsSchema>>;

/** Parse again: cheap, applies defaults for hand-built components, and checks what we were given. */
export function readSettings(ctx: ProviderContext<HaproxySettings>): HaproxySettings {
  return readProviderSettings(haproxySettingsSchema(), "haproxy", ctx);
}
