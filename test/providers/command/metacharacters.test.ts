import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { commandProvider } from "../../../src/providers/command/index.js";
import { planned } from "../context.js";
import { NASTY, readRecords, tempDir, writeTool } from "../fixtures.js";
import { commandFixture } from "./command-fixture.js";

describe("command provider: shell metacharacters are literal", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("passes versions, placeholders, env values and the cwd through unchanged", async () => {
    const work = join(dir, NASTY);
    mkdirSync(work);
    const tool = writeTool(dir);
    const state = join(dir, "state.txt");
    const { ctx, records } = commandFixture(dir, "plain", {
      apply: [
        process.execPath,
        tool,
        "set",
        state,
        "{{target}}",
        `--to={{target}};{{target}}`,
        "{{target}}{{target}}",
      ],
      verify: [process.execPath, tool, "is", state, "{{target}}"],
      env: { TEST_NASTY: NASTY },
      cwd: NASTY,
    });
    const [spec] = await commandProvider.plan(ctx, { version: "plain" }, { version: NASTY });
    if (spec === undefined) throw new Error("expected a step");
    const step = planned(ctx, spec);

    await commandProvider.apply(ctx, step);
    expect(readFileSync(state, "utf8")).toBe(NASTY);
    expect(await commandProvider.verify(ctx, step)).toBe(true);
    expect((await commandProvider.capture(ctx)).version).toBe(NASTY);

    const applied = readRecords(records).find((r) => r.argv[0] === "set");
    expect(applied?.argv).toEqual(["set", state, NASTY, `--to=${NASTY};${NASTY}`, `${NASTY}${NASTY}`]);
    expect(applied?.cwd).toBe(work);
    expect(applied?.env).toMatchObject({
      BACKOUT_TARGET_VERSION: NASTY,
      BACKOUT_CURRENT_VERSION: "plain",
      TEST_NASTY: NASTY,
    });

    for (const where of [dir, work, process.cwd()]) {
      expect(existsSync(join(where, "CANARY")), where).toBe(false);
    }
  });
});
