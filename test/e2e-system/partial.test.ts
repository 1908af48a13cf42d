/**
 * Partial rollback across kinds: api (release) 1.x needs the configuration repository (git) at
 * or before tag v1.4. `--only api` pulls config in and says why; `--except config` is refused
 * before anything changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { countKeys } from "../support/redis.js";
import { precedes } from "../planner/fixtures.js";
import { parseJson, parsePlan, runResult } from "./backout-json.js";
import { goodTree, repoFacts } from "./config-repo.js";
import { NEW, OLD } from "./services.js";
import { CACHE_KEYS, startSystem, type System } from "./system.js";

const RULE = `api@${OLD} requires config <=v1.4`;

describe("end to end: --only api pulls in the config repository by api's compatibility rule", () => {
  let sys: System;
  let deployedConfig: string;

  beforeAll(async () => {
    sys = await startSystem({ edge: false, cache: true });
    await sys.deploy();
    deployedConfig = await git(sys.repo.dir, "rev-parse", "HEAD");
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it("--except config: exit 2, COMPATIBILITY_UNSATISFIABLE naming the rule, nothing changed", async () => {
    for (const args of [
      ["run", "--except", "config"],
      ["run", "--only", "api", "--except", "config"],
      ["plan", "--only", "api", "--except", "config"],
    ]) {
      const r = await sys.backout(...args);
      expect(r.exitCode, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain("COMPATIBILITY_UNSATISFIABLE");
      expect(r.stderr).toContain(RULE);
      expect(r.stderr).toContain("--except");
    }
    // With --json the error is one object on stdout, with its stable code and the component.
    const json = await sys.backout("run", "--except", "config", "--json");
    expect(json.exitCode).toBe(2);
    const { error } = parseJson<{ error: { code: string; message: string; where?: { component?: string } } }>(
      json,
      "run --json error",
    );
    expect(error.code).toBe("COMPATIBILITY_UNSATISFIABLE");
    expect(error.message).toContain(RULE);
    expect(error.where?.component).toBe("api");
    expect(sys.currentRelease(sys.api)).toBe(NEW);
    expect(await git(sys.repo.dir, "rev-parse", "HEAD")).toBe(deployedConfig);
    const history = parseJson<unknown[]>(await sys.backout("history", "--json"), "history --json");
    expect(history).toEqual([]);
  });

  it("plan --only api --json: config pulled in with a reason naming the rule; web and cache left out", async () => {
    const r = await sys.backout("plan", "--only", "api", "--json");
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = parsePlan(r);
    expect(plan.scope).toEqual({ only: ["api"], except: [] });
    expect(plan.components.map((c) => [c.name, c.reason])).toEqual([
      ["api", "selected"],
      ["config", "pulled-in"],
    ]);
    const config = plan.components.find((c) => c.name === "config");
    expect(config?.because).toBe(`${RULE}; config is now at ${deployedConfig}`);
    expect(plan.steps.map((s) => s.id)).toEqual(["api#1:switch-release", "config#1:revert-to"]);
    // Layer order: the app rolls back before its configuration.
    expect(precedes(plan.steps, "api#1:switch-release", "config#1:revert-to")).toBe(true);

    const text = await sys.backout("plan", "--only", "api");
    expect(text.stdout).toContain(`pulled in: ${RULE}`);
  });

  it("run --only api: api and config back at the checkpoint, web and cache untouched", async () => {
    const r = await sys.backout("run", "--only", "api", "--json");
    expect(r.exitCode, r.stderr).toBe(0);
    const { rollbackId, state } = runResult(r);
    expect(state).toBe("succeeded");

    expect(sys.currentRelease(sys.api)).toBe(OLD);
    expect(await (await fetch(`http://127.0.0.1:${sys.api.port}/`)).text()).toBe(`api ${OLD}`);
    const facts = await repoFacts(sys.repo);
    expect(facts.headTree).toBe(await goodTree(sys.repo));
    expect(facts.parents).toEqual([deployedConfig]);

    expect(sys.currentRelease(sys.web)).toBe(NEW);
    const redis = await sys.redisClient();
    try {
      expect(await countKeys(redis, "cache:*")).toBe(CACHE_KEYS);
    } finally {
      await redis.quit();
    }

    const report = await sys.backout("report", rollbackId);
    expect(report.stdout).toContain("api#1:switch-release");
    expect(report.stdout).toContain("config#1:revert-to");
    expect(report.stdout).toContain(`pulled in: ${RULE}`);
  });
});
