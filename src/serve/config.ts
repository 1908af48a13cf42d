/**
 * The `serve:` section of backout.yaml: who may call the API (bearer tokens read from
 * environment variables, never written in the file), TLS, the four-eyes rule, what happens to a
 * rollback the server was running when it died, and the request limits.
 */
import * as z from "zod";
import { VAR_NAME } from "../config/env-vars.js";
import { duration } from "../config/schema-parts.js";
import { autoRollbackSchema, type AutoRollbackLimit } from "./alerts/triggers-config.js";

export const ROLES = ["viewer", "operator", "approver", "alerts"] as const;
export type Role = (typeof ROLES)[number];

const token = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, { error: "a token name is letters, digits and . _ @ -" })
      .meta({ description: "Who this token is: journalled with every change made with it." }),
    env: z
      .string()
      .regex(VAR_NAME, { error: "expected an environment variable name like BACKOUT_TOKEN_CI" })
      .meta({
        description:
          "The environment variable holding the token (at least 16 characters); never the token itself.",
      }),
    roles: z.array(z.enum(ROLES)).min(1).meta({
      description:
        "viewer: read; operator: checkpoint, plan, run, resume, cancel; approver: approve data-loss plans; alerts: post Alertmanager webhooks (for Alertmanager's http_config). Every role may read.",
    }),
  })
  .strict();

export const serveSchema = z
  .object({
    listen: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, {
        error: "expected HOST:PORT, e.g. 127.0.0.1:8080",
      })
      .default("127.0.0.1:8080")
      .meta({
        description: "Address to listen on (HOST:PORT); `--listen` overrides it. Default 127.0.0.1:8080.",
      }),
    tokens: z.array(token).default([]).meta({ description: "Bearer tokens and their roles." }),
    fourEyes: z.boolean().default(false).meta({
      description:
        "The approver of a data-loss plan must be another person than the one who requested the rollback, whatever the channel: a token named otto and the CLI's otto (OS user or --as otto) are one person.",
    }),
    tls: z
      .object({
        cert: z.string().min(1).meta({ description: "PEM certificate file (relative to backout.yaml)." }),
        key: z.string().min(1).meta({ description: "PEM private key file (relative to backout.yaml)." }),
      })
      .strict()
      .optional()
      .meta({
        description: "HTTPS. Without it, plain HTTP is served on loopback only (unless --insecure-listen).",
      }),
    resumeInterrupted: z.enum(["auto", "manual"]).default("manual").meta({
      description:
        "A rollback left interrupted (the server or a CLI was killed mid-rollback) when the server starts: auto resumes it, manual (default) reports it in status and waits for POST /rollbacks/ID/resume.",
    }),
    rateLimit: z
      .object({
        requests: z
          .number()
          .int()
          .min(1)
          // 20 a second: a dashboard at its busiest (3 a second) and a status poller (1 a second)
          // sharing a token stay far below; a client looping without a pause does not.
          .default(1200)
          .meta({
            description: "Requests per token per window. Default 1200 (20 a second with the 1m window).",
          }),
        window: duration({ allowZero: false }).prefault("1m").meta({ description: "Default 1m." }),
      })
      .strict()
      .prefault({})
      .meta({ description: "Per-token request limit; past it, 429 with Retry-After." }),
    bodyLimit: z.number().int().min(1024).max(10_485_760).default(65_536).meta({
      description: "Largest request body in bytes (1 KiB..10 MiB). Default 64 KiB.",
    }),
    publicUrl: z.string().url().optional().meta({
      description: "The URL people reach the server at, used in links sent by notifications.",
    }),
    autoRollback: autoRollbackSchema,
  })
  .strict();

export type ServeFileConfig = z.output<typeof serveSchema>;

export interface ServeConfig {
  listen: string;
  tokens: { name: string; env: string; roles: Role[] }[];
  fourEyes: boolean;
  tls?: { cert: string; key: string };
  resumeInterrupted: "auto" | "manual";
  rateLimit: { requests: number; windowMs: number };
  bodyLimit: number;
  publicUrl?: string;
  autoRollback: AutoRollbackLimit;
}

export function toServeConfig(f: ServeFileConfig): ServeConfig {
  return {
    listen: f.listen,
    tokens: f.tokens,
    fourEyes: f.fourEyes,
    ...(f.tls ? { tls: f.tls } : {}),
    resumeInterrupted: f.resumeInterrupted,
    rateLimit: { requests: f.rateLimit.requests, windowMs: f.rateLimit.window },
    bodyLimit: f.bodyLimit,
    ...(f.publicUrl ? { publicUrl: f.publicUrl } : {}),
    autoRollback: { maxRollbacks: f.autoRollback.maxRollbacks, windowMs: f.autoRollback.window },
  };
}
