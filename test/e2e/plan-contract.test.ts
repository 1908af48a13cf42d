import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir, writeStepScripts } from "./cli.js";

/**
 * A plan is a contract: the plan a person confirmed is exactly what runs. Here a rollback waits
 * for confirmation of plan H; then backout.yaml is edited so the component's `apply` is another
 * program. Approving H must not run the edited program (it was never reviewed).
 */
describe("a confirmed plan runs with the configuration it was made with, or not at all", () => {
  function environment(): { dir: string; yaml: (apply: string) => void; evil: string; good: string } {
    const dir = tempDir("contract");
    writeStepScripts(dir);
    writeFileSync(join(dir, "state", "api"), "v1");
    const evil = join(dir, "evil.mjs");
    writeFileSync(
      evil,
      `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(join(dir, "EVIL-RAN"))}, "");\n`,
    );
    const good = join(dir, "apply.mjs");
    const yaml = (apply: string) =>
      writeFileSync(
        join(dir, "backout.yaml"),
        `version: 1
environment: contract
components:
  api:
    kind: command
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", "api"))}]
    apply: [${JSON.stringify(process.execPath)}, ${JSON.stringify(apply)}, api, "{{target}}", ${JSON.stringify(dir)}]
    risk: { dataLoss: true, summary: "drops the api's job queue" }
`,
      );
    yaml(good);
    return { dir, yaml, evil, good };
  }

  async function pausedRollback(dir: string): Promise<{ id: string; hash: string; output: string }> {
    expect((await cli(["checkpoint", "--good", "--name", "v1-good"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "api"), "v2");
    const run = await cli(["run"], { cwd: dir });
    expect(run.exitCode, run.stderr).toBe(3);
    const [rollback] = JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as {
      id: string;
      planHash: string;
    }[];
    if (!rollback) throw new Error("no rollback in history");
    return { id: rollback.id, hash: rollback.planHash, output: `${run.stdout}\n${run.stderr}` };
  }

  it("approve of plan H after backout.yaml changed the apply program: PLAN_STALE naming api, nothing runs", async () => {
    const { dir, yaml, evil, good } = environment();
    const { id, hash } = await pausedRollback(dir);

    yaml(evil);
    const approve = await cli(["approve", id, "--plan-hash", hash.slice(0, 12)], { cwd: dir });
    expect(approve.exitCode, approve.stderr).toBe(2);
    expect(approve.stderr).toMatch(/PLAN_STALE/);
    expect(approve.stderr).toMatch(/configuration of api changed since plan .*settings\.apply|apply/);
    expect(approve.stderr).toContain(`backout cancel ${id}`);
    const resume = await cli(["resume", id, "--confirm", hash.slice(0, 12)], { cwd: dir });
    expect(resume.exitCode).toBe(2);
    expect(resume.stderr).toMatch(/PLAN_STALE/);
    expect(existsSync(join(dir, "EVIL-RAN"))).toBe(false);
    expect(readFileSync(join(dir, "state", "api"), "utf8")).toBe("v2");

    // Put back as it was: the same plan is approved and runs the reviewed program.
    yaml(good);
    const ok = await cli(["approve", id, "--plan-hash", hash.slice(0, 12)], { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, "state", "api"), "utf8")).toBe("v1");
    expect(existsSync(join(dir, "EVIL-RAN"))).toBe(false);
  });

  it("the paused message gives a command that works without a terminal; a mistyped hash matches no plan", async () => {
    const { dir } = environment();
    const { id, hash, output } = await pausedRollback(dir);
    const suggested = `backout approve ${id} --plan-hash ${hash.slice(0, 12)}`;
    const paused = output.split("\n").find((l) => l.startsWith("rollback paused:"));
    expect(paused).toContain(suggested);

    const typo = await cli(["approve", id, "--plan-hash", "0123456789ab"], { cwd: dir });
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toMatch(/CONFIRMATION_MISMATCH/);
    expect(typo.stderr).toMatch(/matches no plan/);
    expect(typo.stderr).not.toMatch(/changed since it was confirmed/);

    // The suggested command, run as printed (stdin is not a terminal here), does the rollback.
    const args = suggested.split(" ").slice(1);
    const ok = await cli(args, { cwd: dir });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(readFileSync(join(dir, "state", "api"), "utf8")).toBe("v1");
  });
});
