/**
 * The whole rollback of a small real system through the built CLI, while clients keep sending
 * requests to the edge: nginx (maintenance during the rollback) → web → api, a git
 * configuration repository and a redis cache. Every answer must be the old pair, the new pair
 * or the maintenance 503 — never a connection error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { countKeys } from "../support/redis.js";
import { precedes } from "../planner/fixtures.js";
import { orderViolations, parsePlan, parseView, runResult } from "./backout-json.js";
import { goodTree, repoFacts } from "./config-repo.js";
import { countOutcomes, firstOf } from "./load.js";
import { runUnderLoad } from "./run-under-load.js";
import { NEW, OLD, pairBody } from "./services.js";
import { CACHE_KEYS, startSystem, type System } from "./system.js";

const ORDER = [
  "edge#1:enter-maintenance",
  "web#1:switch-release",
  "api#1:switch-release",
  "config#1:revert-to",
  "cache#1:flush-keys",
  "edge#2:leave-maintenance",
];

describe("end to end: roll back edge, web → api, config and cache under client load", () => {
  let sys: System;
  let deployedConfig: string;
  let rollbackId = "";

  beforeAll(async () => {
    sys = await startSystem({ edge: true, cache: true });
    await sys.deploy();
    deployedConfig = await git(sys.repo.dir, "rev-parse", "v1.5");
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it("the deploy is live: the edge serves the new pair, the cache is full", async () => {
    const answer = await fetch(sys.edge?.nginx.url("/") ?? "");
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe(pairBody(NEW));
    const redis = await sys.redisClient();
    expect(await countKeys(redis, "cache:*")).toBe(CACHE_KEYS);
    await redis.quit();
  });

  it("plan --json: maintenance first, dependents first, app → config → cache, maintenance off last", async () => {
    const r = await sys.backout("plan", "--json");
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = parsePlan(r);
    expect(plan.steps.map((s) => s.id)).toEqual(ORDER);
    expect(plan.steps.map((s) => s.phase)).toEqual(["pre", "main", "main", "main", "main", "post"]);
    // The listed order is one valid order; the edges are what the executor obeys.
    for (let i = 1; i < ORDER.length; i++) {
      expect(precedes(plan.steps, ORDER[i - 1] ?? "", ORDER[i] ?? ""), `${ORDER[i - 1]} → ${ORDER[i]}`).toBe(
        true,
      );
    }
    expect(plan.components.find((c) => c.name === "edge")?.upToDate).toBe(true);
    expect(plan.dataLoss).toBe(false);
  });

  it("backout run under load: no connection error, old/new/503 only, then only the old pair", async () => {
    const { samples, runStart, runEnd } = await runUnderLoad(sys, (r) => {
      expect(r.exitCode, r.stderr).toBe(0);
      const result = runResult(r);
      expect(result.state).toBe("succeeded");
      rollbackId = result.rollbackId;
    });
    console.log(`backout run took ${runEnd - runStart} ms`);
    const counts = countOutcomes(samples);
    console.log(`full rollback under load: ${JSON.stringify(counts)}`);
    expect(counts.error, firstOf(samples, "error")).toBe(0);
    expect(counts.other, firstOf(samples, "other")).toBe(0);
    // The clients really spanned the rollback: v2 before, maintenance during, v1 after.
    expect(counts.new).toBeGreaterThan(0);
    expect(counts.maintenance).toBeGreaterThan(0);
    expect(counts.old).toBeGreaterThan(0);
    const after = samples.filter((s) => s.sentAt > runEnd);
    expect(after.length).toBeGreaterThanOrEqual(40);
    expect(after.filter((s) => s.outcome !== "old").map((s) => s.detail)).toEqual([]);
    // web 2 is killed before web 1 starts: once v1 answered, nothing may answer v2 again.
    const firstOld = Math.min(...samples.filter((s) => s.outcome === "old").map((s) => s.doneAt));
    expect(samples.filter((s) => s.outcome === "new" && s.sentAt > firstOld)).toEqual([]);
  });

  it("afterwards: the report names every step, the lock is free, the journal kept the order", async () => {
    expect(rollbackId).not.toBe("");
    const report = await sys.backout("report", rollbackId);
    expect(report.exitCode, report.stderr).toBe(0);
    for (const id of ORDER) expect(report.stdout).toContain(id);
    expect(report.stdout).toContain(`# Rollback ${rollbackId}: succeeded`);
    expect(report.stdout).not.toContain("Traffic left in its safe state");

    const status = await sys.backout("status");
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain("lock: free");
    expect(status.stdout).toContain(`latest rollback: ${rollbackId} succeeded`);

    const view = parseView(await sys.backout("show", rollbackId, "--json"));
    expect(view.steps.map((s) => [s.id, s.status, s.attempts.length])).toEqual(
      ORDER.map((id) => [id, "succeeded", 1]),
    );
    expect(orderViolations(view)).toEqual([]);
  });

  it("afterwards: releases, edge, cache and config repository are back at v1", async () => {
    expect(sys.currentRelease(sys.api)).toBe(OLD);
    expect(sys.currentRelease(sys.web)).toBe(OLD);
    expect(sys.edge?.maintenance()).toBe(false);

    const redis = await sys.redisClient();
    try {
      expect(await countKeys(redis, "cache:*")).toBe(0);
      expect(await redis.get("session:keep-me")).toBe("not a cache key");
    } finally {
      await redis.quit();
    }

    const facts = await repoFacts(sys.repo);
    expect(facts.headTree).toBe(await goodTree(sys.repo));
    // History kept: one new commit on top of the deploy's, not a reset to v1.4.
    expect(facts.parents).toEqual([deployedConfig]);
    expect(facts.head).not.toBe(sys.repo.good);
    expect(await git(sys.repo.dir, "status", "--porcelain")).toBe("");
  });
});
