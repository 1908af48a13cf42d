import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

function buildSchema() {
  const restartSchema = z
    .strictObject({
      command: z
        .array(z.string())
        .min(1)
        .describe("Argument array run after the swap (no shell), in the release directory."),
      timeout: durationSetting({ allowZero: false })
        .default("60s")
        .describe(`How long the restart command may run before it is killed: ${DURATION_HELP}. Default 60s.`),
    })
    .describe("Restarts the application once `current` points at the new release.");

  const healthSchema = z
    .strictObject({
      http: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe("URL fetched with GET; healthy when it answers expectStatus."),
      command: z.array(z.string()).min(1).optional().describe("Argument array; healthy when it exits 0."),
      expectStatus: z
        .number()
        .int()
        .min(100)
        .max(599)
        .default(200)
        .describe("HTTP status that means healthy."),
      timeout: durationSetting({ allowZero: false })
        .default("5s")
        .describe(`How long one probe may take: ${DURATION_HELP}. Default 5s.`),
      retries: z.number().int().min(0).default(10).describe("Probes after the first before giving up."),
      interval: durationSetting({ allowZero: true })
        .default("500ms")
        .describe(`Wait between probes: ${DURATION_HELP}. Default 500ms.`),
    })
    .refine((h) => h.http !== undefined || h.command !== undefined, {
      message: "give health.http, health.command or both",
    })
    .describe("Checked after the restart; a failure after every retry fails the step.");

  return z
    .strictObject({
      path: z
        .string()
        .min(1)
        .describe(
          "Application root holding releases/ and the current symlink (relative: to the environment file).",
        ),
      restart: restartSchema.optional(),
      health: healthSchema.optional(),
    })
    .describe("Capistrano-style release directories with an atomic `current` symlink.");
}

/** Built on its first use: `backout status` on an environment without release components never builds it. */
export const releaseSettingsSchema = lazily(buildSchema);

export type ReleaseSettings = z.output<ReturnType<typeof releaseSettingsSchema>>;
export type HealthSettings = NonNullable<ReleaseSettings["health"]>;

/**
 * The loader already validated the settings; parsing again is cheap, applies defaults even
 * when a caller built the component by hand, and keeps this provider honest about its input.
 */
export function readSettings(ctx: ProviderContext<ReleaseSettings>): ReleaseSettings {
  return readProviderSettings(releaseSettingsSchema(), "release", ctx);
}
