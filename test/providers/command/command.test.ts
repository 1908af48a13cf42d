import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { ProviderContext } from "../../../src/core/provider.js";
import { commandProvider, type CommandSettings } from "../../../src/providers/command/index.js";
import { planned } from "../context.js";
import { expectBackoutError, readRecords, tempDir } from "../fixtures.js";
import { commandFixture } from "./command-fixture.js";

async function stepTo(ctx: ProviderContext<CommandSettings>, from: string, to: string) {
  const [spec, ...rest] = await commandProvider.plan(ctx, { version: from }, { version: to });
  if (spec === undefined || rest.length > 0) throw new Error("expected one step");
  return planned(ctx, spec);
}

describe("command provider", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("captures the trimmed stdout of the capture command", async () => {
    const { ctx } = commandFixture(dir, "  1.4.2 \n");
    expect(await commandProvider.capture(ctx)).toEqual({ version: "1.4.2" });
  });

  it("refuses an empty version", async () => {
    const { ctx } = commandFixture(dir, "   ");
    await expectBackoutError(commandProvider.capture(ctx), "PROVIDER_FAILED");
  });

  it("plans nothing when equal, else one run-command step with the default risk", async () => {
    const { ctx } = commandFixture(dir, "2");
    expect(await commandProvider.plan(ctx, { version: "2" }, { version: "2" })).toEqual([]);
    const step = await stepTo(ctx, "2", "1");
    expect(step).toMatchObject({
      action: "run-command",
      target: { version: "1" },
      params: { current: "2", target: "1" },
      risk: { dataLoss: false, summary: "runs node" },
      reversible: true,
    });
    expect(step.description).toContain("svc");
  });

  it("uses the declared risk and reversibility", async () => {
    const risk = { dataLoss: true, summary: "drops the cache namespace" };
    const { ctx } = commandFixture(dir, "2", { risk, reversible: false });
    const step = await stepTo(ctx, "2", "1");
    expect(step.risk).toEqual(risk);
    expect(step.reversible).toBe(false);
  });

  it("applies with {{target}} filled in and the versions in the environment", async () => {
    const { ctx, state, records } = commandFixture(
      dir,
      "2.0.0",
      { env: { TEST_OWN: "provider", TEST_SHARED: "provider wins" } },
      { TEST_SHARED: "ctx", TEST_CTX: "from ctx" },
    );
    const step = await stepTo(ctx, "2.0.0", "1.9.0");
    expect(await commandProvider.verify(ctx, step)).toBe(false);
    const result = await commandProvider.apply(ctx, step);
    expect(readFileSync(state, "utf8")).toBe("1.9.0");
    expect(result.output).toContain("set to 1.9.0");
    expect(await commandProvider.verify(ctx, step)).toBe(true);
    expect((await commandProvider.capture(ctx)).version).toBe("1.9.0");

    const applied = readRecords(records).find((r) => r.argv[0] === "set");
    expect(applied?.argv).toEqual(["set", state, "1.9.0"]);
    expect(applied?.cwd).toBe(dir);
    expect(applied?.env).toEqual({
      BACKOUT_COMPONENT: "svc",
      BACKOUT_TARGET_VERSION: "1.9.0",
      BACKOUT_CURRENT_VERSION: "2.0.0",
      TEST_OWN: "provider",
      TEST_SHARED: "provider wins",
      TEST_CTX: "from ctx",
    });
  });

  it("is idempotent: applying twice leaves the same state", async () => {
    const { ctx, state } = commandFixture(dir, "b");
    const step = await stepTo(ctx, "b", "a");
    await commandProvider.apply(ctx, step);
    await commandProvider.apply(ctx, step);
    expect(readFileSync(state, "utf8")).toBe("a");
  });

  it("uses the verify command when given: exit 0 means reached", async () => {
    const { ctx, state, tool } = commandFixture(dir, "b");
    const withVerify = commandFixture(dir, "b", {
      verify: [process.execPath, tool, "is", state, "{{target}}"],
    }).ctx;
    const step = await stepTo(withVerify, "b", "a");
    expect(await commandProvider.verify(withVerify, step)).toBe(false);
    await commandProvider.apply(ctx, step);
    expect(await commandProvider.verify(withVerify, step)).toBe(true);
  });

  it("reports a non-zero exit as a retryable COMMAND_FAILED for the step, with the output's tail", async () => {
    const { ctx, tool } = commandFixture(dir, "b");
    const failing = commandFixture(dir, "b", { apply: [process.execPath, tool, "fail", "4"] }).ctx;
    const step = await stepTo(ctx, "b", "a");
    const e = await expectBackoutError(commandProvider.apply(failing, step), "COMMAND_FAILED");
    expect(e.retryable).toBe(true);
    expect(e.where).toEqual({ component: "svc", step: step.id });
    expect(e.message).toContain("it broke");
  });

  it("runs commands in cwd, resolved against baseDir", async () => {
    mkdirSync(join(dir, "sub"));
    const { ctx, records } = commandFixture(dir, "b", { cwd: "sub" });
    await commandProvider.apply(ctx, await stepTo(ctx, "b", "a"));
    expect(readRecords(records).at(-1)?.cwd).toBe(join(dir, "sub"));
  });

  it("kills a command that runs past its timeout", async () => {
    const { ctx } = commandFixture(dir, "b", {
      apply: [process.execPath, "-e", "setTimeout(() => {}, 10000)"],
      timeout: 0.3,
    });
    const e = await expectBackoutError(
      commandProvider.apply(ctx, await stepTo(ctx, "b", "a")),
      "COMMAND_TIMEOUT",
    );
    expect(e.retryable).toBe(true);
  });

  it("validates settings strictly and protects backout's own variables", () => {
    const schema = commandProvider.settingsSchema;
    expect(schema.safeParse({ capture: ["x"], apply: ["y"] }).success).toBe(true);
    expect(schema.safeParse({ capture: ["x"], apply: ["y"], extra: true }).success).toBe(false);
    expect(schema.safeParse({ capture: [], apply: ["y"] }).success).toBe(false);
    expect(schema.safeParse({ capture: "x", apply: ["y"] }).success).toBe(false);
    expect(
      schema.safeParse({ capture: ["x"], apply: ["y"], env: { BACKOUT_ACTIVE_ROLLBACK: "" } }).success,
    ).toBe(false);
    expect(schema.parse({ capture: ["x"], apply: ["y"] })).toEqual({
      capture: ["x"],
      apply: ["y"],
      timeout: "5m",
      reversible: true,
    });
  });
});
