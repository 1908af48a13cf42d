/**
 * Validation after a rollback, through the CLI: the global `validation` checks and the
 * `checks` of the components the plan changed run after the steps; every result is
 * journalled; anything but "pass" (a failing service, an unreachable Prometheus) marks the
 * rollback failed with exactly one escalation.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { startMonitoredFlakyService } from "../support/prometheus.js";
import {
  checkpointThenDeploy,
  eventsOf,
  expectExit,
  jsonReport,
  latestRollback,
  readJournal,
  startEndpoint,
  type SwitchableEndpoint,
} from "./helpers.js";
import { componentYaml, setVersion, versionOf } from "./steps.js";

let healthy: SwitchableEndpoint;
let broken: SwitchableEndpoint;
const dirs: string[] = [];

beforeAll(async () => {
  healthy = await startEndpoint(200);
  broken = await startEndpoint(500);
});

afterAll(async () => {
  await healthy.close();
  await broken.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function httpCheck(name: string, url: string, indent: string): string {
  return `${indent}- name: ${name}\n${indent}  http: ${url}\n${indent}  retries: 0\n`;
}

/** A directory with components at v1, a good checkpoint, then a "deploy" of v2 to `api`. */
async function environment(prefix: string, yamlBody: (dir: string) => string): Promise<string> {
  const dir = tempDir(prefix);
  dirs.push(dir);
  // The hook appends one line per run: the tests count escalations from the outside.
  writeFileSync(
    join(dir, "hook.mjs"),
    `import { appendFileSync, readFileSync } from "node:fs";
appendFileSync(process.argv[2], JSON.stringify(JSON.parse(readFileSync(0, "utf8"))) + "\\n");
`,
  );
  const hook = [process.execPath, join(dir, "hook.mjs"), join(dir, "hook.log")].map((a) => JSON.stringify(a));
  await checkpointThenDeploy(dir, {
    components: ["api", "worker"],
    deployed: ["api"],
    yaml: `version: 1
environment: ${prefix}
policies:
  retry: { initialInterval: 10ms }
  escalation: [${hook.join(", ")}]
${yamlBody(dir)}`,
  });
  return dir;
}

function hookCalls(dir: string): { reason: string }[] {
  const file = join(dir, "hook.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { reason: string });
}

describe("validation after a rollback", () => {
  it("passes: global and changed components' checks run and are journalled; unchanged components' are not", async () => {
    const dir = await environment(
      "validate-ok",
      (d) => `validation:
${httpCheck("service health", healthy.url, "  ")}components:
${componentYaml(d, "api", { extra: `    checks:\n${httpCheck("api health", healthy.url, "      ")}` })}${componentYaml(d, "worker", { extra: `    checks:\n${httpCheck("worker health", broken.url, "      ")}` })}`,
    );
    const brokenHits = broken.hits();
    const r = await cli(["run"], { cwd: dir });
    expectExit(r, 0);
    expect(versionOf(dir, "api")).toBe("v1");
    const { id, state } = await latestRollback(dir);
    expect(state).toBe("succeeded");

    const validations = eventsOf(await readJournal(dir, id), "validation").map((e) => e.result);
    expect(validations.map((v) => [v.name, v.status, v.component]).sort()).toEqual([
      ["api health", "pass", "api"],
      ["service health", "pass", undefined],
    ]);
    // worker was already at v1: its (failing) check must not run.
    expect(broken.hits()).toBe(brokenHits);

    const report = await jsonReport(dir, id);
    expect(report.state).toBe("succeeded");
    const rows = report.timeline.filter((t) => t.type === "validation").map((t) => t.summary);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/^(service|api) health: pass \(answered 200/);
    // Validation comes after the last step and before the end.
    const types = report.timeline.map((t) => t.type);
    expect(types.indexOf("validation")).toBeGreaterThan(types.lastIndexOf("step-succeeded"));
    expect(types.lastIndexOf("validation")).toBeLessThan(types.indexOf("finished"));
    expect(hookCalls(dir)).toEqual([]);
  });

  it("fails: a changed component's check still answers 500 → failed, one escalation, the hook ran once", async () => {
    const dir = await environment(
      "validate-fail",
      (d) => `components:
${componentYaml(d, "api", { extra: `    checks:\n${httpCheck("api health", broken.url, "      ")}` })}${componentYaml(d, "worker")}`,
    );
    const r = await cli(["run"], { cwd: dir });
    expectExit(r, 1);
    // The steps themselves did their job; only the validation says the system is not well.
    expect(versionOf(dir, "api")).toBe("v1");
    const { id, state } = await latestRollback(dir);
    expect(state).toBe("failed");

    const entries = await readJournal(dir, id);
    const validations = eventsOf(entries, "validation").map((e) => e.result);
    expect(validations).toHaveLength(1);
    expect(validations[0]).toMatchObject({ name: "api health", status: "fail", component: "api" });
    expect(validations[0]?.detail).toMatch(/answered 500/);
    const escalated = eventsOf(entries, "escalated");
    expect(escalated).toHaveLength(1);
    expect(escalated[0]?.reason).toMatch(/^validation failed: api health \(fail: answered 500/);
    expect(escalated[0]?.failedSteps).toEqual([]);
    expect(eventsOf(entries, "escalation-hook")).toEqual([{ type: "escalation-hook", ok: true }]);
    expect(eventsOf(entries, "finished")).toEqual([
      { type: "finished", state: "failed", reason: escalated[0]?.reason },
    ]);

    const calls = hookCalls(dir);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.reason).toBe(escalated[0]?.reason);
    const show = JSON.parse((await cli(["show", id, "--json"], { cwd: dir })).stdout) as {
      state: string;
      escalation?: { reason: string; hookOk?: boolean };
    };
    expect(show.state).toBe("failed");
    expect(show.escalation).toMatchObject({ reason: escalated[0]?.reason, hookOk: true });
  });

  it("a metric check against a stopped Prometheus is journalled as an error and fails the validation", async () => {
    const monitored = await startMonitoredFlakyService({ errorRate: 0 });
    try {
      const query = "sum(rate(http_requests_total[5s]))";
      await monitored.prometheus.waitFor(query, (v) => v > 0);
      const dir = await environment(
        "validate-prom",
        (d) => `validation:
  - name: request rate
    metric:
      prometheus: ${monitored.prometheus.url}
      query: ${JSON.stringify(query)}
      compare: ">"
      threshold: 0
    retries: 0
    timeout: 2s
components:
${componentYaml(d, "api")}`,
      );
      // With Prometheus up the same check passes: the failure below is Prometheus being gone.
      expectExit(await cli(["run"], { cwd: dir }), 0);
      const first = await latestRollback(dir);
      const passed = eventsOf(await readJournal(dir, first.id), "validation");
      expect(passed.map((v) => v.result.status)).toEqual(["pass"]);

      await monitored.prometheus.stop();
      setVersion(dir, "api", "v2");
      expectExit(await cli(["run"], { cwd: dir }), 1);
      const second = await latestRollback(dir);
      expect(second.id).not.toBe(first.id);
      expect(second.state).toBe("failed");
      const entries = await readJournal(dir, second.id);
      const results = eventsOf(entries, "validation").map((e) => e.result);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ name: "request rate", kind: "metric", status: "error" });
      expect(results[0]?.detail).toMatch(
        /cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+.*connection refused/,
      );
      expect(results[0]?.detail).toMatch(/Prometheus is running/);
      const escalated = eventsOf(entries, "escalated");
      expect(escalated).toHaveLength(1);
      expect(escalated[0]?.reason).toMatch(/request rate \(error: cannot reach Prometheus/);
      expect(hookCalls(dir)).toHaveLength(1);
    } finally {
      await monitored.stop();
    }
  });
});
