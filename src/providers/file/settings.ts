import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

function buildSchema() {
  return z
    .strictObject({
      files: z
        .array(z.string().min(1))
        .min(1)
        .refine((l) => new Set(l).size === l.length, { message: "lists a file twice" })
        .describe(
          "Files to keep (relative: to the environment file). A file may be absent; that is kept too.",
        ),
      blobs: z
        .string()
        .min(1)
        .default(".backout/blobs")
        .describe(
          "Directory of content-addressed copies (blobs/<sha256>), relative to the environment file.",
        ),
      reload: z
        .strictObject({
          command: z
            .array(z.string())
            .min(1)
            .describe("Argument array (no shell) run after the files are restored."),
          timeout: durationSetting({ allowZero: false })
            .default("60s")
            .describe(
              `How long the reload command may run before it is killed: ${DURATION_HELP}. Default 60s.`,
            ),
        })
        .optional()
        .describe("Tells the service to read its files again (e.g. [nginx, -s, reload])."),
    })
    .describe("Plain files (mode and owner kept) restored atomically from content-addressed copies.");
}

/** Built on its first use: `backout status` on an environment without file components never builds it. */
export const fileSettingsSchema = lazily(buildSchema);

export type FileSettings = z.output<ReturnType<typeof fileSettingsSchema>>;

export function readSettings(ctx: ProviderContext<FileSettings>): FileSettings {
  return readProviderSettings(fileSettingsSchema(), "file", ctx);
}
