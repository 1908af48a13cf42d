/**
 * A blind monitor says so. Real Prometheus scrapes a real service; the monitor's check is a
 * PromQL error ratio. Mid-rollback Prometheus is stopped while the service goes to 90 %
 * errors: every later sample is `error` (nothing can be judged). With the default
 * `whenBlind: continue` the rollback goes on and succeeds, but the live output and the result
 * say "monitor blind for N of M samples", a `monitor-blind` notification goes out, and every
 * report shows n/a (not 0.00) for those samples. With `whenBlind: abort`, dispatching stops.
 * With `whenBlind: pause` (Prometheus SIGSTOPped: its port accepts, nothing answers), the run
 * stops dispatching and exits resumable; once Prometheus answers again, `resume` finishes it
 * without applying any step twice.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cli, startCli, tempDir } from "../e2e/cli.js";
import { Receiver } from "../notify/receiver.js";
import { startMonitoredFlakyService } from "../support/prometheus.js";
import { checkpointThenDeploy, eventsOf, latestRollback, readJournal } from "./helpers.js";
import { componentYaml, starts, versionOf } from "./steps.js";
import { until } from "../support/until.js";
import { verifyStandardWebhook } from "../notify/verify-standard-webhook.js";

const NAMES = ["d", "c", "b", "a"]; // rollback order a, b, c, d
const QUERY = 'sum(rate(http_requests_total{code="500"}[5s])) / sum(rate(http_requests_total[5s]))';
const SECRET = `whsec_${Buffer.from("monitor-blind-signing-key-0123456789").toString("base64")}`;
const ENV = { HOOK_SECRET: SECRET };
const dirs: string[] = [];
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
});
beforeEach(() => receiver.reset());
afterAll(async () => {
  await receiver.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function environment(
  prefix: string,
  prometheus: string,
  whenBlind?: string,
  sleepMs = 1500,
): Promise<string> {
  const dir = tempDir(prefix);
  dirs.push(dir);
  const components = NAMES.map((n, i) => {
    const prev = NAMES[i - 1];
    return componentYaml(dir, n, { sleepMs, ...(prev ? { dependsOn: [prev] } : {}) });
  });
  await checkpointThenDeploy(dir, {
    components: NAMES,
    run: (args) => cli(args, { cwd: dir, env: ENV }),
    yaml: `version: 1
environment: ${prefix}
policies:
  concurrency: 1
  retry: { maxAttempts: 1 }
  notifications: { flush: 5s }
monitor:
  interval: 300ms
  abortThreshold: 0.5${whenBlind ? `\n  whenBlind: ${whenBlind}` : ""}
  checks:
    - name: error ratio
      metric:
        prometheus: ${prometheus}
        query: ${JSON.stringify(QUERY)}
        compare: "<"
        threshold: 0.05
      timeout: 1s
notifications:
  - webhook: ${receiver.url("/hook")}
    secret: \${HOOK_SECRET}
    on: [monitor-blind]
components:
${components.join("")}`,
  });
  return dir;
}

describe("a blind monitor", () => {
  it("continue (default): the rollback succeeds, and output, result, reports and a notification say the monitor was blind", async () => {
    const monitored = await startMonitoredFlakyService({ errorRate: 0 });
    try {
      await monitored.prometheus.waitFor(QUERY, (v) => v === 0);
      const dir = await environment("monitor-blind", monitored.prometheus.url);
      const run = startCli(["run"], { cwd: dir, env: ENV });
      await until("the second step to start", () => starts(dir).length === 2);
      await monitored.prometheus.stop();
      monitored.service.setErrorRate(0.9); // what nothing can see any more
      const result = await run;
      expect(result.exitCode, String(result.stderr)).toBe(0);

      const { id, state } = await latestRollback(dir, ENV);
      expect(state).toBe("succeeded");
      const entries = await readJournal(dir, id);
      const samples = eventsOf(entries, "monitor-sample");
      const blind = samples.filter((s) => s.results.every((r) => r.status === "error"));
      expect(samples[0]?.results[0]?.status).toBe("pass"); // judged while Prometheus was up
      expect(blind.length).toBeGreaterThanOrEqual(2);
      // No retries by default for monitor checks: one attempt per sample.
      for (const s of samples) expect(s.results[0]?.detail).not.toMatch(/attempt \d+ of/);

      const warning = `monitor blind for ${blind.length} of ${samples.length} samples`;
      expect(String(result.stderr)).toContain(`warning: ${warning}`);
      // The live output (progress lines) warns when it happens, not only at the end.
      expect(String(result.stdout)).toMatch(
        /rollback warning: monitor blind: none of its 1 check\(s\) could be judged/,
      );
      const told = eventsOf(entries, "monitor-blind");
      expect(told).toHaveLength(1);
      expect(told[0]?.action).toBe("continue");

      const hooks = receiver.requests.filter((r) => r.path === "/hook");
      expect(hooks.map((r) => (JSON.parse(r.body) as { type: string }).type)).toEqual([
        "rollback.monitor-blind",
      ]);

      const md = (await cli(["report", id], { cwd: dir, env: ENV })).stdout;
      expect(md).toContain(`**Monitor blind for ${blind.length} of ${samples.length} samples**`);
      expect(md.match(/\| n\/a \|/g)?.length ?? 0).toBe(blind.length);
      expect(md.match(/monitor-sample failing checks n\/a/g)?.length ?? 0).toBe(blind.length);
      const report = JSON.parse(
        (await cli(["report", id, "--format", "json"], { cwd: dir, env: ENV })).stdout,
      ) as {
        timeline: { type: string; summary: string }[];
      };
      const jsonSamples = report.timeline.filter((t) => t.type === "monitor-sample");
      expect(jsonSamples.filter((t) => t.summary.startsWith("failing checks n/a"))).toHaveLength(
        blind.length,
      );
      const html = (await cli(["report", id, "--format", "html"], { cwd: dir, env: ENV })).stdout;
      expect(html.match(/data-error-rate="n\/a"/g)?.length ?? 0).toBe(blind.length);
      expect(html).toContain(`Monitor blind for ${blind.length} of ${samples.length} samples`);
    } finally {
      await monitored.stop();
    }
  });

  it("whenBlind: abort stops dispatching; the running step finishes, later ones never start", async () => {
    const monitored = await startMonitoredFlakyService({ errorRate: 0 });
    try {
      await monitored.prometheus.waitFor(QUERY, (v) => v === 0);
      const dir = await environment("monitor-blind-abort", monitored.prometheus.url, "abort");
      const run = startCli(["run"], { cwd: dir, env: ENV });
      await until("the second step to start", () => starts(dir).length === 2);
      await monitored.prometheus.stop();
      const result = await run;
      expect(result.exitCode, String(result.stderr)).toBe(1);
      const { id, state } = await latestRollback(dir, ENV);
      expect(state).toBe("escalated");
      expect(starts(dir)).toEqual(["a", "b"]);
      const entries = await readJournal(dir, id);
      const told = eventsOf(entries, "monitor-blind");
      expect(told).toHaveLength(1);
      expect(told[0]?.runningSteps).toEqual([expect.stringMatching(/^b#1:/)]);
      expect(eventsOf(entries, "escalated")[0]?.reason).toMatch(/^monitor blind: /);
    } finally {
      await monitored.stop();
    }
  });
  it("whenBlind: pause stops dispatching and exits resumable (130); resume, once Prometheus answers again, applies no step twice", async () => {
    const monitored = await startMonitoredFlakyService({ errorRate: 0 });
    try {
      await monitored.prometheus.waitFor(QUERY, (v) => v === 0);
      // Steps long enough that the blind sample (a 1 s check timeout) surely comes while b runs.
      const dir = await environment("monitor-blind-pause", monitored.prometheus.url, "pause", 4000);
      const run = startCli(["run"], { cwd: dir, env: ENV });
      await until("the second step to start", () => starts(dir).length === 2);
      monitored.prometheus.pause(); // SIGSTOP: the port accepts connections, nothing answers
      const result = await run;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      const { id, state } = await latestRollback(dir, ENV);
      expect(String(result.stderr)).toContain(
        `rollback ${id} is paused: monitor blind: none of its 1 check(s)`,
      );
      expect(String(result.stderr)).toContain("monitor.whenBlind: pause");
      expect(String(result.stderr)).toContain(`resume with backout resume ${id}`);
      expect(state).toBe("running"); // resumable, not ended

      const entries = await readJournal(dir, id);
      const told = eventsOf(entries, "monitor-blind");
      expect(told).toHaveLength(1);
      expect(told[0]?.action).toBe("pause");
      expect(told[0]?.runningSteps).toEqual([expect.stringMatching(/^b#1:/)]);
      // The running step was allowed to finish; nothing after it started.
      expect(starts(dir)).toEqual(["a", "b"]);
      expect(versionOf(dir, "b")).toBe("v1");
      expect(versionOf(dir, "c")).toBe("v2");
      expect(eventsOf(entries, "escalated")).toEqual([]);
      expect(eventsOf(entries, "finished")).toEqual([]);

      // The notification reached the real receiver, signed.
      const hooks = receiver.requests.filter((r) => r.path === "/hook");
      expect(hooks).toHaveLength(1);
      const hook = hooks[0];
      if (!hook) throw new Error("no monitor-blind notification");
      expect(verifyStandardWebhook(SECRET, hook.headers, hook.body)).toEqual({ ok: true });
      const body = JSON.parse(hook.body) as { type: string; data: { rollbackId: string } };
      expect([body.type, body.data.rollbackId]).toEqual(["rollback.monitor-blind", id]);

      monitored.prometheus.resume(); // SIGCONT
      await monitored.prometheus.waitFor(QUERY, (v) => v === 0, 30_000);
      const resumed = await cli(["resume", id], { cwd: dir, env: ENV });
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      expect((await latestRollback(dir, ENV)).state).toBe("succeeded");
      // Every component applied exactly once over both processes: a and b were not run again.
      expect(starts(dir)).toEqual(["a", "b", "c", "d"]);
      for (const n of NAMES) expect(versionOf(dir, n)).toBe("v1");
    } finally {
      await monitored.stop();
    }
  });
});
