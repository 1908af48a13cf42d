/**
 * Every provider refuses a step whose params are not what its plan() put there (an edited plan,
 * or one made by another provider) with PLAN_INVALID at the step, before anything runs; the
 * message and hint are part of what users see.
 */
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { PlannedStep } from "../../src/core/model.js";
import { restoreParams as fileParams } from "../../src/providers/file/step-params.js";
import { gitParams } from "../../src/providers/git/step-params.js";
import { setServersParams } from "../../src/providers/haproxy/step-params.js";
import { stateParams } from "../../src/providers/nginx/step-params.js";
import { restoreParams } from "../../src/providers/postgres/strategies/restore/params.js";
import { downParams } from "../../src/providers/postgres/strategies/reverse/step-params.js";
import { flushParams } from "../../src/providers/redis/step-params.js";
import { switchParams } from "../../src/providers/release/step-params.js";

const step: PlannedStep = {
  id: "x#1:edited",
  component: "x",
  kind: "edited",
  action: "edited",
  description: "a step whose params were edited",
  phase: "main",
  after: [],
  params: { strategy: "restore", unexpected: true },
  target: { version: "1" },
  risk: { dataLoss: false, summary: "" },
  estimateMs: 0,
  reversible: true,
} as unknown as PlannedStep;

const made = (kind: string) =>
  `The plan was not made by the ${kind} provider or was edited; make a new plan.`;

describe("a step with params its provider did not plan", () => {
  it.each([
    ["file", fileParams, "does not carry file parameters", made("file")],
    ["git", gitParams, "does not carry git parameters", made("git")],
    ["haproxy", setServersParams, "has no backend/servers parameters", made("haproxy")],
    ["nginx", stateParams, "has no pool/servers/maintenance parameters", made("nginx")],
    ["redis", flushParams, "has no valid redis flush parameters", made("redis")],
    ["release", switchParams, "has no release/path parameters", made("release")],
    ["postgres restore", restoreParams, "has no valid restore-and-replay parameters", made("postgres")],
    [
      "postgres reverse",
      downParams,
      "has no valid migrate-down parameters",
      "The plan was made by another backout version, or was edited; make a new plan.",
    ],
  ] as const)("%s: PLAN_INVALID at the step, saying to plan again", (_kind, read, problem, hint) => {
    let error: unknown;
    try {
      read(step);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BackoutError);
    const e = error as BackoutError;
    expect([e.code, e.message, e.hint]).toEqual(["PLAN_INVALID", `step x#1:edited ${problem}`, hint]);
    expect(e.where).toEqual({ component: "x", step: "x#1:edited" });
  });
});
