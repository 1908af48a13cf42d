import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import * as z from "zod";
import { writeAtomically } from "../fs/atomic-write.js";
import { isErrno } from "../fs/errno.js";
import { BackoutError } from "./errors.js";
import type { Plan } from "./model.js";
import { canonicalJson, planHash } from "./planner/hash.js";

/**
 * A saved plan (`backout plan --out FILE`): the complete plan as it was shown (every step with
 * what it executes, each component's starting state and configuration, secrets redacted), the
 * environment it belongs to, and two checks over the content: the plan hash (what a data-loss
 * confirmation names) and a digest over the whole file, measurements included. Neither is a
 * signature: they catch a damaged or hand-edited file, not someone who recomputes them.
 */
export interface SavedPlan {
  backoutPlan: 1;
  savedAt: string;
  environment: string;
  planHash: string;
  /** "sha256:<hex>" of the canonical JSON of every other member. */
  digest: string;
  plan: Plan;
}

/** A plan file larger than this is not one backout wrote (a plan of 5,000 steps is ~5 MiB). */
const MAX_BYTES = 64 * 1024 * 1024;

export function savedPlanText(plan: Plan, savedAt: Date): string {
  const body = {
    backoutPlan: 1 as const,
    savedAt: savedAt.toISOString(),
    environment: plan.environment,
    planHash: plan.hash,
    plan,
  };
  const saved: SavedPlan = { ...body, digest: digestOf(body) };
  return `${JSON.stringify(saved, null, 2)}\n`;
}

/** Writes the file complete or not at all; an existing file is replaced only with `force`. */
export async function writePlanFile(path: string, text: string, force: boolean): Promise<void> {
  try {
    await writeAtomically({ path, content: Buffer.from(text), mode: 0o644, replace: force });
  } catch (e) {
    if (isErrno(e, "EEXIST")) {
      throw new BackoutError("USAGE", `${path} exists; the plan was not saved`, {
        where: { file: path },
        hint: "Choose another file name, or pass --force to replace it.",
      });
    }
    throw new BackoutError("USAGE", `cannot write the plan to ${path}: ${(e as Error).message}`, {
      where: { file: path },
      hint: "Check that the directory exists and is writable.",
      cause: e,
    });
  }
}

/**
 * Reads and checks a saved plan: a file backout wrote, unchanged since (its digest and the plan
 * hash match its content). Anything else is PLAN_FILE_INVALID, and nothing runs.
 */
export async function readPlanFile(path: string): Promise<SavedPlan> {
  const where = { file: resolve(path) };
  const invalid = (why: string, hint = "Make a fresh plan with `backout plan --out FILE`.") =>
    new BackoutError("PLAN_FILE_INVALID", `${path} ${why}`, { where, hint });
  let text: string;
  try {
    if ((await stat(path)).size > MAX_BYTES)
      throw invalid(`is larger than ${MAX_BYTES} bytes: not a plan file`);
    text = await readFile(path, "utf8");
  } catch (e) {
    if (e instanceof BackoutError) throw e;
    throw invalid(
      `cannot be read: ${(e as Error).message}`,
      "Give the path of a file written by `backout plan --out`.",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(`is not JSON (${(e as Error).message}): it is damaged or not a plan file`);
  }
  const parsed = savedPlanSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue ? ` (${issue.path.join(".") || "top level"}: ${issue.message})` : "";
    throw invalid(`is not a backout plan file${at}`);
  }
  const saved = json as SavedPlan;
  const { digest, ...body } = saved;
  if (digestOf(body) !== digest) {
    throw invalid(
      "was changed after it was saved: its digest does not match its content",
      "Do not edit plan files. Make a fresh plan with `backout plan --out FILE` and review that one.",
    );
  }
  if (planHash(saved.plan) !== saved.plan.hash || saved.planHash !== saved.plan.hash) {
    throw invalid(
      "holds a plan whose hash does not match its steps: it was changed after it was made",
      "Do not edit plan files. Make a fresh plan with `backout plan --out FILE` and review that one.",
    );
  }
  return saved;
}

function digestOf(body: Omit<SavedPlan, "digest">): string {
  return `sha256:${createHash("sha256").update(canonicalJson(body)).digest("hex")}`;
}

// The shape the engine relies on; the digest and the hash vouch for the rest.
const stateSchema = z.looseObject({ version: z.string() });
const savedPlanSchema = z.looseObject({
  backoutPlan: z.literal(1),
  savedAt: z.string(),
  environment: z.string(),
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  plan: z.looseObject({
    formatVersion: z.literal(1),
    environment: z.string(),
    hash: z.string(),
    checkpoint: z.looseObject({ id: z.string(), name: z.string(), createdAt: z.number() }),
    scope: z.looseObject({ only: z.array(z.string()), except: z.array(z.string()) }),
    components: z.array(
      z.looseObject({ name: z.string(), kind: z.string(), from: stateSchema, to: stateSchema }),
    ),
    steps: z.array(
      z.looseObject({
        id: z.string(),
        component: z.string(),
        kind: z.string(),
        action: z.string(),
        after: z.array(z.string()),
        target: stateSchema,
        params: z.record(z.string(), z.unknown()),
        risk: z.looseObject({ dataLoss: z.boolean(), summary: z.string() }),
      }),
    ),
    concurrency: z.number(),
    dataLoss: z.boolean(),
  }),
});
