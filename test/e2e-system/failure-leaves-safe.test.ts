/**
 * When a main step fails for good, the rollback escalates and must not lift the maintenance
 * that wrapped it: the edge keeps answering 503 (never a connection error) while the system
 * is half rolled back. Here api's restart command always fails.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git } from "../support/git.js";
import { countKeys } from "../support/redis.js";
import { parseView, runResult } from "./backout-json.js";
import { countOutcomes, firstOf } from "./load.js";
import { runUnderLoad } from "./run-under-load.js";
import { OLD } from "./services.js";
import { CACHE_KEYS, startSystem, type System } from "./system.js";

const LEAVE = "edge#2:leave-maintenance";

describe("end to end: a main step that fails for good leaves the edge in maintenance", () => {
  let sys: System;
  let rollbackId = "";

  beforeAll(async () => {
    sys = await startSystem({ edge: true, cache: true, apiRestartFails: true });
    await sys.deploy();
  });
  afterAll(async () => {
    await sys?.stop();
  });

  it("backout run escalates (exit 1); clients get v2, then 503 only, never an error", async () => {
    const { samples, runEnd } = await runUnderLoad(sys, (r) => {
      expect(r.exitCode, r.stderr).toBe(1);
      const result = runResult(r);
      expect(result.state).toBe("escalated");
      rollbackId = result.rollbackId;
    });
    const counts = countOutcomes(samples);
    console.log(`escalated rollback under load: ${JSON.stringify(counts)}`);
    expect(counts.error, firstOf(samples, "error")).toBe(0);
    expect(counts.other, firstOf(samples, "other")).toBe(0);
    expect(counts.new).toBeGreaterThan(0);
    expect(counts.old).toBe(0);
    const after = samples.filter((s) => s.sentAt > runEnd);
    expect(after.length).toBeGreaterThanOrEqual(40);
    expect(after.filter((s) => s.outcome !== "maintenance").map((s) => s.detail)).toEqual([]);
    expect(sys.edge?.maintenance()).toBe(true);
  });

  it("the journal: web done, api failed twice, config, cache and leave-maintenance never started", async () => {
    expect(rollbackId).not.toBe("");
    const view = parseView(await sys.backout("show", rollbackId, "--json"));
    expect(view.state).toBe("escalated");
    const byId = Object.fromEntries(view.steps.map((s) => [s.id, [s.status, s.attempts.length]]));
    expect(byId).toEqual({
      "edge#1:enter-maintenance": ["succeeded", 1],
      "web#1:switch-release": ["succeeded", 1],
      "api#1:switch-release": ["failed", 2],
      "config#1:revert-to": ["pending", 0],
      "cache#1:flush-keys": ["pending", 0],
      [LEAVE]: ["pending", 0],
    });
    expect(view.escalation?.notDone).toContain(LEAVE);
    expect(view.escalation?.failedSteps).toEqual(["api#1:switch-release"]);

    // The escalation command got the same summary on stdin.
    const summary = JSON.parse(readFileSync(sys.escalationFile, "utf8")) as { notDone: string[] };
    expect(summary.notDone).toContain(LEAVE);
  });

  it("the report shows the escalation and says traffic was left in maintenance", async () => {
    const report = await sys.backout("report", rollbackId);
    expect(report.exitCode, report.stderr).toBe(0);
    expect(report.stdout).toContain(`# Rollback ${rollbackId}: escalated`);
    const notDone = report.stdout.split("\n").find((l) => l.startsWith("- **Not done:**")) ?? "";
    expect(notDone).toContain(LEAVE);
    expect(report.stdout).toMatch(/unit is masked/);
    // It says in words that traffic stays paused, and which restore step did not run.
    const section = report.stdout.split("\n## ").find((s) => s.startsWith("Traffic left in its safe state"));
    expect(section, "no 'Traffic left in its safe state' section").toBeDefined();
    expect(section).toContain("`edge#1:enter-maintenance`) and was **not** restored");
    expect(section).toContain(`\`${LEAVE}\` did not run`);
  });

  it("nothing after the failure ran: config at v1.5, cache full, lock free", async () => {
    expect(await git(sys.repo.dir, "rev-parse", "HEAD")).toBe(await git(sys.repo.dir, "rev-parse", "v1.5"));
    const redis = await sys.redisClient();
    try {
      expect(await countKeys(redis, "cache:*")).toBe(CACHE_KEYS);
    } finally {
      await redis.quit();
    }
    expect(sys.currentRelease(sys.web)).toBe(OLD);
    const status = await sys.backout("status");
    expect(status.stdout).toContain("lock: free");
    expect(status.stdout).toContain(`latest rollback: ${rollbackId} escalated`);
    // Still 503 at the edge, long after the rollback ended.
    expect((await fetch(sys.edge?.nginx.url("/") ?? "")).status).toBe(503);
  });
});
