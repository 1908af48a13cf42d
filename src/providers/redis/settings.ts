import * as z from "zod";
import { DURATION_HELP, durationSetting } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

function buildSchema() {
  // A pattern made only of `*` matches every key: that is a whole-database flush in disguise.
  const pattern = z
    .string()
    .min(1)
    .refine((p) => !/^\*+$/.test(p), {
      message: 'a pattern of only "*" matches every key; set flushDatabase: true to empty the whole database',
    });

  const warmupSchema = z
    .strictObject({
      command: z
        .array(z.string())
        .min(1)
        .describe("Argument array run after the flush (no shell), e.g. a script that preloads hot keys."),
      timeout: durationSetting({ allowZero: false })
        .default("60s")
        .describe(`How long the warm-up command may run before it is killed: ${DURATION_HELP}. Default 60s.`),
    })
    .describe("Runs once the keys are gone; a failure fails the step (a retry does not flush again).");

  return z
    .strictObject({
      url: z
        .url({ protocol: /^rediss?$/ })
        .describe(
          "redis://[user:password@]host:port/db (rediss:// for TLS); the password is redacted everywhere.",
        ),
      patterns: z
        .array(pattern)
        .min(1)
        .optional()
        .describe('Glob patterns for SCAN MATCH, e.g. ["cache:*"]; required unless flushDatabase is true.'),
      flushDatabase: z
        .boolean()
        .default(false)
        .describe("true empties the whole logical database with FLUSHDB ASYNC instead of matching patterns."),
      batchSize: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(500)
        .describe("SCAN COUNT hint and the most keys one UNLINK deletes."),
      warmup: warmupSchema.optional(),
      connectTimeout: durationSetting({ allowZero: false })
        .default("5s")
        .describe(`How long to wait for the connection: ${DURATION_HELP}. Default 5s.`),
    })
    .superRefine((s, ctx) => {
      if (s.flushDatabase && s.patterns !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["patterns"],
          message: "give either patterns or flushDatabase: true, not both",
        });
      }
      if (!s.flushDatabase && s.patterns === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["patterns"],
          message: 'patterns is required (e.g. ["cache:*"]) unless flushDatabase: true',
        });
      }
    })
    .describe("A Redis cache emptied by SCAN MATCH + UNLINK (or FLUSHDB ASYNC when explicitly allowed).");
}

/** Built on its first use: `backout status` on an environment without redis components never builds it. */
export const redisSettingsSchema = lazily(buildSchema);

export type RedisSettings = z.output<ReturnType<typeof redisSettingsSchema>>;

/** Parse again: applies defaults for hand-built components and checks what we were given. */
export function readSettings(ctx: ProviderContext<RedisSettings>): RedisSettings {
  return readProviderSettings(redisSettingsSchema(), "redis", ctx);
}
