import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, commandComponent, tempDir, writeStepScripts } from "./cli.js";

/** Checkpoint commands do what they print, and the default target follows the README's rule. */
describe("checkpoints an operator can reason about (built CLI, real processes)", () => {
  it("mark-good, unmark-good, the rollback rule, did-you-mean and errors that name the target", async () => {
    const dir = tempDir("cprules");
    writeStepScripts(dir);
    const setState = (v: string) => writeFileSync(join(dir, "state", "api"), v);
    const yaml = (extra = "") =>
      writeFileSync(
        join(dir, "backout.yaml"),
        `version: 1\nenvironment: cprules\ncomponents:\n${commandComponent(dir, "api", [])}${extra}`,
      );
    yaml();
    const run = (...args: string[]) => cli(args, { cwd: dir });
    const defaultTarget = async () =>
      (JSON.parse((await run("status", "--json")).stdout) as { lastGoodCheckpoint: { name: string } | null })
        .lastGoodCheckpoint?.name ?? null;
    const planTarget = async () =>
      (JSON.parse((await run("plan", "--json")).stdout) as { checkpoint: { name: string } }).checkpoint.name;

    setState("v1");
    expect((await run("checkpoint", "--good", "--name", "v1-good")).exitCode).toBe(0);
    setState("v2");
    expect((await run("checkpoint", "--good", "--name", "v2-good")).exitCode).toBe(0);

    // Marking an older checkpoint good does not make it the default, and says so.
    const mark = await run("mark-good", "v1-good");
    expect(mark.exitCode).toBe(0);
    expect(mark.stdout).not.toMatch(/now the default/);
    expect(mark.stdout).toMatch(/default rollback target stays v2-good/);
    expect(await defaultTarget()).toBe("v2-good");

    // A mistyped checkpoint name gets a suggestion.
    const typo = await run("plan", "--to", "v1-goood");
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/CHECKPOINT_NOT_FOUND/);
    expect(typo.stderr).toContain('Did you mean "v1-good"?');

    // A rollback to v1-good passes over v2-good: plain plan/status now point at v1-good.
    setState("v3");
    const back = await run("run", "--to", "v1-good");
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await defaultTarget()).toBe("v1-good");
    setState("v3");
    expect(await planTarget()).toBe("v1-good");

    // unmark-good: v1-good is no longer a target; with v2-good passed over there is none.
    const unmark = await run("unmark-good", "v1-good");
    expect(unmark.exitCode, unmark.stderr).toBe(0);
    expect(unmark.stdout).toMatch(/v1-good .* is no longer marked good; the default rollback target is none/);
    const none = await run("plan");
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/NO_GOOD_CHECKPOINT/);
    expect(none.stderr).toMatch(/v2-good \(passed over by rollback/);

    // Marking v2-good again (after the rollback) makes it the default again, and says so.
    const again = await run("mark-good", "v2-good");
    expect(again.stdout).toMatch(/v2-good .* is marked good: it is now the default rollback target/);
    expect(await defaultTarget()).toBe("v2-good");

    // A planning error names the checkpoint it planned towards.
    yaml(commandComponent(dir, "worker", []));
    setState("v3");
    writeFileSync(join(dir, "state", "worker"), "w1");
    const named = await run("plan");
    expect(named.exitCode).toBe(2);
    expect(named.stderr).toMatch(
      /rolling back to checkpoint v2-good \(c-[^)]+\): the checkpoint has no state for worker/,
    );
  });
});
