/**
 * Providers learn which rollback and step they work for from the context itself (rollbackId,
 * stepId), the same in apply and verify, and the programs they start see it in BACKOUT_ROLLBACK_ID
 * and BACKOUT_STEP_ID. Outside a rollback (capture, plan) both are undefined.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openBackout, parseEnvironment, z, type Provider, type ProviderContext } from "../../src/index.js";

interface Seen {
  call: string;
  rollbackId: string | undefined;
  stepId: string | undefined;
  envRollback: string | undefined;
  envStep: string | undefined;
}

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function recordingProvider(seen: Seen[]): Provider<{ file: string }> {
  const note = (call: string, ctx: ProviderContext<{ file: string }>) =>
    seen.push({
      call,
      rollbackId: ctx.rollbackId,
      stepId: ctx.stepId,
      envRollback: ctx.env.BACKOUT_ROLLBACK_ID,
      envStep: ctx.env.BACKOUT_STEP_ID,
    });
  const file = (ctx: ProviderContext<{ file: string }>) => join(ctx.baseDir, ctx.component.settings.file);
  return {
    kind: "recording",
    defaultLayer: "app",
    settingsSchema: z.object({ file: z.string() }),
    description: "records the context it is given",
    capture: async (ctx) => {
      note("capture", ctx);
      return Promise.resolve({ version: readFileSync(file(ctx), "utf8") });
    },
    plan: async (ctx, current, target) => {
      note("plan", ctx);
      return Promise.resolve(
        current.version === target.version
          ? []
          : [
              {
                action: "write",
                description: "write",
                target,
                params: {},
                risk: { dataLoss: false, summary: "none" },
                reversible: true,
              },
            ],
      );
    },
    apply: async (ctx, step) => {
      note("apply", ctx);
      writeFileSync(file(ctx), step.target.version);
      return Promise.resolve({});
    },
    verify: async (ctx, step) => {
      note("verify", ctx);
      return Promise.resolve(readFileSync(file(ctx), "utf8") === step.target.version);
    },
  };
}

describe("one provider context", () => {
  it("carries the rollback and step ids in apply and verify, and nothing outside a rollback", async () => {
    dir = mkdtempSync(join(tmpdir(), "backout-context-"));
    writeFileSync(join(dir, "v"), "1");
    const seen: Seen[] = [];
    const env = parseEnvironment(
      { version: 1, environment: "ctx", components: { app: { kind: "recording", file: "v" } } },
      { baseDir: dir, providers: [recordingProvider(seen)], env: {} },
    );
    const backout = await openBackout(env, { env: { PATH: process.env.PATH } });
    try {
      await backout.checkpoint({ good: true });
      writeFileSync(join(dir, "v"), "2");
      const outcome = await backout.run();
      expect(outcome.state).toBe("succeeded");
      const step = "app#1:write";
      const inStep = seen.filter((s) => s.call === "apply" || s.call === "verify");
      expect(inStep.map((s) => s.call)).toContain("apply");
      for (const s of inStep) {
        expect(s).toMatchObject({
          rollbackId: outcome.rollbackId,
          stepId: step,
          envRollback: outcome.rollbackId,
          envStep: step,
        });
      }
      for (const s of seen.filter((x) => x.call === "capture" || x.call === "plan")) {
        expect(s).toMatchObject({ rollbackId: undefined, stepId: undefined, envStep: undefined });
      }
    } finally {
      await backout.close();
    }
  });
});
