/**
 * The API's request shapes, in zod: the same objects validate requests and produce the
 * OpenAPI document. Strict objects: an unknown field is refused, not ignored.
 */
import * as z from "zod";
import { CHANNELS } from "../core/actor.js";

const ref = z.string().min(1).max(200);
const names = z.array(z.string().min(1).max(200)).max(500);
/** `only=a,b` in a query string. */
const nameList = z
  .string()
  .max(10_000)
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      hint: z.string().optional(),
      where: z.record(z.string(), z.unknown()).optional(),
      retryable: z.boolean(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ description: "Every error, in the CLI's shape." });

export const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) }).strict();

export const idParams = z.object({ id: ref }).strict();
export const refParams = z.object({ ref }).strict();

export const planQuery = z
  .object({
    to: ref.optional().meta({ description: "Checkpoint id or name; default the last good one." }),
    only: nameList.optional(),
    except: nameList.optional(),
  })
  .strict();

export const checkpointBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    good: z.boolean().default(false),
    allowPartial: z.boolean().default(false),
  })
  .strict();

export const runBody = z
  .object({
    to: ref.optional().meta({ description: "Checkpoint id or name; default the last good one." }),
    only: names.optional(),
    except: names.optional(),
  })
  .strict()
  .meta({ description: "A data-loss plan always waits for an approver (POST .../approve)." });

export const approveBody = z
  .object({
    planHash: z
      .string()
      .regex(/^[0-9a-f]{6,64}$/, { error: "expected the plan hash (at least its first 6 hex digits)" }),
  })
  .strict();

export const emptyBody = z.object({}).strict().nullish();

export const reportQuery = z.object({ format: z.enum(["md", "json", "html"]).default("md") }).strict();

export const eventsQuery = z
  .object({
    after: z.coerce
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ description: "Feed id to start after (like Last-Event-ID); default: only new events." }),
    rollback: ref.optional().meta({ description: "Only this rollback's events." }),
  })
  .strict();

export const anyJson = z.unknown();

/** GET /checkpoints/{ref}: the checkpoint and its audit (who took, marked, unmarked it). */
export const checkpointHistorySchema = z
  .object({
    checkpoint: z.object({
      id: z.string(),
      name: z.string(),
      environment: z.string(),
      createdAt: z.number(),
      good: z.boolean(),
      markedGoodAt: z.number().optional(),
      components: z.record(z.string(), z.unknown()),
      unreadable: z.record(z.string(), z.string()).optional(),
    }),
    events: z.array(
      z.object({
        id: z.number().int(),
        environment: z.string(),
        checkpointId: z.string(),
        at: z.number().meta({ description: "Milliseconds since the epoch." }),
        action: z.enum(["taken", "marked-good", "unmarked-good"]),
        by: z.string().meta({ description: "The person: a token's name, the OS user or --as NAME." }),
        via: z.enum(CHANNELS).meta({ description: "Through what: cli, serve (the API) or library." }),
        details: z.record(z.string(), z.unknown()).meta({
          description: "taken: name, good, unreadable; marked-good and unmarked-good: wasGood.",
        }),
      }),
    ),
  })
  .meta({ description: "Oldest event first." });
