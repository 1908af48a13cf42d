import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/planner/hash.js";
import { commitCount, commitFiles, git, GIT_TEST_ENV, makeConfigRepo } from "../support/git.js";
import { cli, commandComponent, tempDir, writeStepScripts } from "./cli.js";

/**
 * Saved plans (issue 11 item 3): `plan --out FILE` writes the complete plan; `run --plan FILE`
 * runs exactly that plan, or refuses before its first step: a damaged or edited file, a stale
 * configuration, or a component no longer in the state the plan starts from.
 */
const SECRET = "hunter2-api-token-value";

interface Env {
  dir: string;
  run: (...args: string[]) => ReturnType<typeof cli>;
  writeYaml: (extra?: string) => void;
  sideEffects: () => string[];
}

/** Two real command components (web depends on api), checkpointed at v1, deployed to v2. */
async function commandEnvironment(extraComponents: (dir: string) => string = () => ""): Promise<Env> {
  const dir = tempDir("saved-plan");
  writeStepScripts(dir);
  const writeYaml = (extra = extraComponents(dir)) =>
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: saved
components:
${commandComponent(dir, "web", ["api"])}${commandComponent(dir, "api", [])}    env: { API_TOKEN: "\${API_TOKEN}" }
${extra}`,
    );
  writeYaml();
  const run = (...args: string[]) => cli(args, { cwd: dir, env: { ...GIT_TEST_ENV, API_TOKEN: SECRET } });
  writeFileSync(join(dir, "state", "web"), "v1");
  writeFileSync(join(dir, "state", "api"), "v1");
  expect((await run("checkpoint", "--good", "--name", "v1-good")).exitCode).toBe(0);
  writeFileSync(join(dir, "state", "web"), "v2");
  writeFileSync(join(dir, "state", "api"), "v2");
  const sideEffects = () => {
    const log = join(dir, "side-effects.log");
    return existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  };
  return { dir, run, writeYaml, sideEffects };
}

/** The latest rollback as `show --json` folds its journal: its state, whether it started, its steps. */
async function latestRollback(
  env: Env,
): Promise<{ state: string; startedAt?: number; steps: { status: string; attempts: unknown[] }[] }> {
  const [latest] = JSON.parse((await env.run("history", "--json")).stdout) as { id: string }[];
  if (!latest) throw new Error("no rollback in history");
  return JSON.parse((await env.run("show", latest.id, "--json")).stdout) as {
    state: string;
    startedAt?: number;
    steps: { status: string; attempts: unknown[] }[];
  };
}

describe("backout plan --out / run --plan", () => {
  it("runs exactly the stored steps, even after backout.yaml and the default target changed; the file holds no secret", async () => {
    const env = await commandEnvironment((dir) => {
      writeFileSync(join(dir, "state", "jobs"), "v1");
      return commandComponent(dir, "jobs", []);
    });
    writeFileSync(join(env.dir, "state", "jobs"), "v2");
    const saved = await env.run("plan", "--except", "jobs", "--out", "plan.json");
    expect(saved.exitCode, saved.stderr).toBe(0);
    expect(saved.stderr).toContain("run exactly this plan with: backout run --plan plan.json");
    const text = readFileSync(join(env.dir, "plan.json"), "utf8");
    expect(text).not.toContain(SECRET);
    const file = JSON.parse(text) as {
      planHash: string;
      plan: {
        hash: string;
        components: { name: string; from: { version: string } }[];
        steps: { id: string }[];
      };
    };
    expect(file.plan.hash).toBe(file.planHash);
    expect(file.plan.components.map((c) => [c.name, c.from.version])).toEqual([
      ["web", "v2"],
      ["api", "v2"],
    ]);

    // Without --force an existing file is never replaced.
    const again = await env.run("plan", "--except", "jobs", "--out", "plan.json");
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/plan\.json exists[\s\S]*--force/);
    expect(readFileSync(join(env.dir, "plan.json"), "utf8")).toBe(text);
    expect((await env.run("plan", "--except", "jobs", "--out", "plan.json", "--force")).exitCode).toBe(0);
    expect(readFileSync(join(env.dir, "plan.json"), "utf8")).not.toBe(text); // saved again: a new savedAt

    // After planning: jobs (left out of the plan) gets another apply program, and a newer good
    // checkpoint becomes the default target. A fresh plan would now differ; the saved one runs.
    env.writeYaml(commandComponent(env.dir, "jobs", []).replace('"{{target}}"', '"{{target}}-edited"'));
    writeFileSync(join(env.dir, "state", "web"), "v2");
    expect((await env.run("checkpoint", "--good", "--name", "v2-good")).exitCode).toBe(0);
    const fresh = await env.run("plan");
    expect(fresh.stdout).toMatch(/Nothing to roll back/);

    const run = await env.run("run", "--plan", "plan.json");
    expect(run.exitCode, run.stderr).toBe(0);
    expect(env.sideEffects()).toEqual(["web v1", "api v1"]);
    expect(readFileSync(join(env.dir, "state", "jobs"), "utf8")).toBe("v2");
    const [latest] = JSON.parse((await env.run("history", "--json")).stdout) as { planHash: string }[];
    expect(latest?.planHash).toBe(file.planHash);

    // Scope flags cannot bend a saved plan.
    const bent = await env.run("run", "--plan", "plan.json", "--only", "web");
    expect(bent.exitCode).toBe(2);
    expect(bent.stderr).toMatch(/USAGE/);
  });

  it("a component no longer in the plan's starting state (a real git repository) is refused with PLAN_DRIFTED; no step ran", async () => {
    const root = tempDir("saved-plan-git");
    const repo = await makeConfigRepo(root, { push: false });
    const env = await commandEnvironment(
      () => `  config:
    kind: git
    repo: ${JSON.stringify(repo.work)}
`,
    );
    // The checkpoint above saw the repository at v1.2; the good state is v1.0, deployed over by v1.2.
    await git(repo.work, "reset", "--quiet", "--hard", "v1.0");
    writeFileSync(join(env.dir, "state", "web"), "v1");
    writeFileSync(join(env.dir, "state", "api"), "v1");
    expect((await env.run("checkpoint", "--good", "--name", "all-good")).exitCode).toBe(0);
    await git(repo.work, "reset", "--quiet", "--hard", "v1.2");
    writeFileSync(join(env.dir, "state", "web"), "v2");
    writeFileSync(join(env.dir, "state", "api"), "v2");

    const saved = await env.run("plan", "--to", "all-good", "--out", "plan.json");
    expect(saved.exitCode, saved.stderr).toBe(0);

    // Someone commits a hotfix to the configuration after the plan was reviewed.
    const hotfix = await commitFiles(repo.work, "hotfix", { "a.conf": "hot\n" });
    const commits = await commitCount(repo.work);
    const run = await env.run("run", "--plan", "plan.json");
    expect(run.exitCode, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/PLAN_DRIFTED/);
    expect(run.stderr).toMatch(/config: planned from \S+, now \S+/);
    expect(run.stderr).not.toMatch(/^\s+(web|api): planned from/m);
    expect(run.stderr).toMatch(/fix: .*fresh plan/);
    // Nothing executed: no command step, no revert commit, no step in the journal.
    expect(env.sideEffects()).toEqual([]);
    expect(await git(repo.work, "rev-parse", "HEAD")).toBe(hotfix);
    expect(await commitCount(repo.work)).toBe(commits);
    const refused = await latestRollback(env);
    expect(refused.state).toBe("cancelled");
    expect(refused.startedAt).toBeUndefined();
    expect(refused.steps.every((s) => s.status === "pending" && s.attempts.length === 0)).toBe(true);
    expect((await env.run("status")).stdout).toMatch(/lock: free/);

    // Two drifted components: both are named.
    writeFileSync(join(env.dir, "state", "api"), "v3");
    const both = await env.run("run", "--plan", "plan.json", "--json");
    expect(both.exitCode).toBe(2);
    const error = (
      JSON.parse(both.stdout.trim().split("\n").pop() ?? "{}") as {
        error: { code: string; details: { drifted: { component: string; expected: string; now: string }[] } };
      }
    ).error;
    expect(error.code).toBe("PLAN_DRIFTED");
    expect(error.details.drifted.map((d) => d.component).sort()).toEqual(["api", "config"]);
    expect(error.details.drifted.find((d) => d.component === "api")).toMatchObject({
      expected: "v2",
      now: "v3",
    });
    expect(env.sideEffects()).toEqual([]);
  });

  it("a damaged or edited plan file is refused with PLAN_FILE_INVALID, and nothing runs", async () => {
    const env = await commandEnvironment();
    expect((await env.run("plan", "--out", "plan.json")).exitCode).toBe(0);
    const good = readFileSync(join(env.dir, "plan.json"), "utf8");

    const attempts: [string, string][] = [
      // Edited by hand: every v1 (targets, arguments) made v0.
      ["edited.json", good.replace(/"v1"/g, '"v0"')],
      ["truncated.json", good.slice(0, good.length / 2)],
      ["not-a-plan.json", JSON.stringify({ hello: "world" })],
    ];
    // A step's command changed and the file digest recomputed to match: the plan hash still tells.
    const parsed = JSON.parse(good) as {
      digest: string;
      plan: { steps: { params: Record<string, unknown> }[] };
    };
    const first = parsed.plan.steps[0];
    if (first) first.params.argv = ["/bin/sh", "-c", "touch PWNED"];
    const { digest: _old, ...body } = parsed;
    parsed.digest = `sha256:${createHash("sha256").update(canonicalJson(body)).digest("hex")}`;
    attempts.push(["rehashed.json", JSON.stringify(parsed)]);
    expect(attempts[0]?.[1]).not.toBe(good);

    for (const [name, content] of attempts) {
      writeFileSync(join(env.dir, name), content);
      const run = await env.run("run", "--plan", name);
      expect(run.exitCode, name).toBe(2);
      expect(run.stderr, name).toMatch(/PLAN_FILE_INVALID/);
      if (name === "rehashed.json") expect(run.stderr).toMatch(/hash does not match its steps/);
      if (name === "edited.json") expect(run.stderr).toMatch(/digest does not match/);
    }
    const missing = await env.run("run", "--plan", "nope.json");
    expect(missing.stderr).toMatch(/PLAN_FILE_INVALID.*cannot be read/);
    expect(env.sideEffects()).toEqual([]);
    expect(existsSync(join(env.dir, "PWNED"))).toBe(false);
    expect(JSON.parse((await env.run("history", "--json")).stdout)).toEqual([]);
  });

  it("a planned component whose configuration changed is PLAN_STALE, as for approve and resume", async () => {
    const env = await commandEnvironment();
    expect((await env.run("plan", "--out", "plan.json")).exitCode).toBe(0);
    const yaml = readFileSync(join(env.dir, "backout.yaml"), "utf8");
    writeFileSync(join(env.dir, "backout.yaml"), yaml.replace('"{{target}}", ', '"{{target}}-edited", '));
    const run = await env.run("run", "--plan", "plan.json");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/PLAN_STALE/);
    expect(run.stderr).toMatch(/configuration of web changed since plan .* \(settings\.apply\)/);
    expect(env.sideEffects()).toEqual([]);
  });
});
