import * as z from "zod";
import { DURATION_HELP, durationSetting, httpStatus } from "../../config/schema-parts.js";
import type { ProviderContext } from "../../core/provider.js";
import { lazily } from "../../core/lazily.js";
import { readProviderSettings } from "../../core/provider-settings.js";

/** Names that go into nginx syntax unquoted: no spaces, braces, semicolons or `$`. */
const NAME = /^[A-Za-z0-9_.-]+$/;
const nameMessage = "use letters, digits, `_`, `.` and `-` only";

function buildSchema() {
  /**
   * One `server` line of an upstream: an address and optional parameters ("10.0.0.5:8080 weight=3").
   * Characters that could end the directive or open a block are refused, so a value can never
   * inject configuration; whether nginx accepts the rest is for `nginx -t` to say.
   */
  const server = z
    .string()
    .regex(/^[^\s;{}#"'`$\\]+( [^\s;{}#"'`$\\]+)*$/, {
      message: "one address with optional parameters separated by single spaces, without ; { } # quotes or $",
    })
    .describe('An upstream server: "host:port" with optional nginx parameters ("127.0.0.1:8080 weight=2").');

  const probeSchema = z
    .strictObject({
      url: z
        .url({ protocol: /^https?$/ })
        .describe("Live URL fetched with GET through nginx after each reload."),
      expectStatus: httpStatus(200).describe("Status that means the pool serves."),
      maintenanceStatus: httpStatus(503).describe(
        "Status nginx answers in maintenance (what the server block returns).",
      ),
      poolHeader: z
        .string()
        .regex(/^[A-Za-z0-9-]+$/)
        .optional()
        .describe(
          "Response header carrying the active pool (add `add_header <name> $backout_pool always;`): makes the probe prove the new configuration serves.",
        ),
      confirmations: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe(
          "Consecutive expected answers (spaced by interval) that prove a reload done: old workers keep accepting for a moment after nginx starts new ones.",
        ),
      timeout: durationSetting({ allowZero: false })
        .default("5s")
        .describe(`How long one probe may take: ${DURATION_HELP}. Default 5s.`),
      retries: z.number().int().min(0).default(40).describe("Probes after the first before giving up."),
      interval: durationSetting({ allowZero: true })
        .default("250ms")
        .describe(`Wait between probes: ${DURATION_HELP}. Default 250ms.`),
    })
    .describe("How backout checks the live endpoint after a reload and in verify.");

  return z
    .strictObject({
      nginx: z
        .string()
        .min(1)
        .optional()
        .describe('nginx binary (default: "nginx" on PATH, else /usr/sbin/nginx).'),
      config: z
        .string()
        .min(1)
        .describe("Main configuration file passed as -c (relative: to the environment file)."),
      prefix: z.string().min(1).optional().describe("Prefix directory passed as -p, when nginx needs one."),
      include: z
        .string()
        .min(1)
        .describe(
          "File backout owns and rewrites atomically; nginx.conf includes it inside http {} (relative: to the environment file).",
        ),
      upstream: z.string().regex(NAME, nameMessage).describe("Name of the upstream block backout writes."),
      pools: z
        .record(z.string().regex(NAME, nameMessage), z.array(server).min(1))
        .refine((p) => Object.keys(p).length > 0, { message: "give at least one pool" })
        .describe("Pool name → upstream servers; the active pool is the component's version."),
      variablePrefix: z
        .string()
        .regex(/^[A-Za-z0-9_]+$/)
        .default("backout")
        .describe("Prefix of the variables the include defines: $<prefix>_pool and $<prefix>_maintenance."),
      probe: probeSchema,
      pauseDuringRollback: z
        .boolean()
        .default(false)
        .describe(
          "Enter maintenance before the rollback's main steps and leave it (on the target pool) after.",
        ),
      timeout: durationSetting({ allowZero: false })
        .default("30s")
        .describe(`How long each nginx command may run: ${DURATION_HELP}. Default 30s.`),
    })
    .describe("nginx blue/green pools and maintenance mode, switched through one include file and a reload.");
}

/** Built on its first use: `backout status` on an environment without nginx components never builds it. */
export const nginxSettingsSchema = lazily(buildSchema);

export type NginxSettings = z.output<ReturnType<typeof nginxSettingsSchema>>;
export type ProbeSettings = NginxSettings["probe"];

/** Parse again: cheap, applies defaults for hand-built components, and checks what we were given. */
export function readSettings(ctx: ProviderContext<NginxSettings>): NginxSettings {
  return readProviderSettings(nginxSettingsSchema(), "nginx", ctx);
}
