/**
 * The live monitor through the CLI: while slow steps run, backout samples the monitor's
 * checks every 300 ms and journals each sample. When the share of failing signals passes the
 * abort threshold (here: two of three real endpoints flipped to 500 mid-rollback), it stops
 * dispatching — later steps never start — and the rollback ends escalated. Samples show in
 * the Markdown and HTML reports. A share equal to the threshold does not abort (`>`).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, startCli, tempDir } from "../e2e/cli.js";
import {
  checkpointThenDeploy,
  eventsOf,
  expectExit,
  latestRollback,
  readJournal,
  startEndpoint,
  type SwitchableEndpoint,
} from "./helpers.js";
import { componentYaml, starts, versionOf } from "./steps.js";
import { until } from "../support/until.js";

const NAMES = ["d", "c", "b", "a"]; // a depends on b on c on d: rollback order a, b, c, d
let endpoints: SwitchableEndpoint[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  endpoints = await Promise.all([startEndpoint(), startEndpoint(), startEndpoint()]);
});

afterAll(async () => {
  await Promise.all(endpoints.map((e) => e.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function environment(prefix: string, sleepMs: number, checkCount = 3): Promise<string> {
  const dir = tempDir(prefix);
  dirs.push(dir);
  const checks = endpoints
    .slice(0, checkCount)
    .map(
      (e, i) => `    - { name: signal-${i + 1}, http: ${JSON.stringify(e.url)}, retries: 0, timeout: 1s }\n`,
    );
  const components = NAMES.map((n, i) => {
    const prev = NAMES[i - 1];
    return componentYaml(dir, n, { sleepMs, ...(prev ? { dependsOn: [prev] } : {}) });
  });
  await checkpointThenDeploy(dir, {
    components: NAMES,
    yaml: `version: 1
environment: ${prefix}
policies:
  concurrency: 1
  retry: { maxAttempts: 1 }
monitor:
  interval: 300ms
  abortThreshold: 0.5
  checks:
${checks.join("")}components:
${components.join("")}`,
  });
  return dir;
}

describe("live monitor", () => {
  it("journals samples during a healthy rollback, which succeeds", async () => {
    for (const e of endpoints) e.setStatus(200);
    const dir = await environment("monitor-ok", 1200);
    const t0 = Date.now();
    expectExit(await cli(["run"], { cwd: dir }), 0);
    const elapsed = Date.now() - t0;
    for (const n of NAMES) expect(versionOf(dir, n)).toBe("v1");
    const { id, state } = await latestRollback(dir);
    expect(state).toBe("succeeded");
    const samples = eventsOf(await readJournal(dir, id), "monitor-sample");
    // It samples repeatedly (4.8 s of steps against a 300 ms interval: 8× margin for two on a
    // loaded machine; how many is not a speed goal) and never faster than its interval.
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.length).toBeLessThanOrEqual(Math.ceil(elapsed / 300));
    for (const s of samples) {
      expect(s).toMatchObject({ errorRate: 0, threshold: 0.5, aborted: false });
      expect(s.results.map((r) => [r.name, r.status])).toEqual([
        ["signal-1", "pass"],
        ["signal-2", "pass"],
        ["signal-3", "pass"],
      ]);
    }
    const md = (await cli(["report", id], { cwd: dir })).stdout;
    // The timeline has one line per sample.
    expect(md.match(/monitor-sample failing checks 0\.00 \(threshold 0\.5\)\n/g)?.length ?? 0).toBe(
      samples.length,
    );
    const html = (await cli(["report", id, "--format", "html"], { cwd: dir })).stdout;
    expect(html).toContain(`data-samples="${samples.length}"`);
    expect(html).toContain("The monitor did not abort the rollback.");
  });

  it("abortThreshold is compared with >: with 0.5 and two checks, one failing for the whole rollback never aborts", async () => {
    const [failing, healthy] = endpoints;
    failing?.setStatus(500);
    healthy?.setStatus(200);
    try {
      const dir = await environment("monitor-equal", 600, 2);
      const result = await cli(["run"], { cwd: dir });
      expect(result.exitCode, result.stderr).toBe(0);
      const { id, state } = await latestRollback(dir);
      expect(state).toBe("succeeded");
      expect(starts(dir)).toEqual(["a", "b", "c", "d"]);
      const samples = eventsOf(await readJournal(dir, id), "monitor-sample");
      expect(samples.length).toBeGreaterThanOrEqual(2);
      for (const s of samples) {
        expect(s.results.map((r) => r.status)).toEqual(["fail", "pass"]);
        expect([s.errorRate, s.aborted]).toEqual([0.5, false]); // the share of failing checks
      }
    } finally {
      failing?.setStatus(200);
    }
  });

  it("stops dispatching and escalates when most signals start failing mid-rollback", async () => {
    for (const e of endpoints) e.setStatus(200);
    const dir = await environment("monitor-abort", 2000);
    const [first, second] = endpoints;
    const run = startCli(["run"], { cwd: dir });
    // While the second step runs: one of three signals fails (0.33, under the threshold)...
    await until("the second step to start", () => starts(dir).length === 2);
    first?.setStatus(500);
    const hits = second?.hits() ?? 0;
    await until("two samples with one failing signal", () => (second?.hits() ?? 0) >= hits + 2);
    // ...then two of three (0.67 > 0.5): the monitor aborts.
    second?.setStatus(500);
    const result = await run;
    expect(result.exitCode, String(result.stderr)).toBe(1);

    // The step that was running finished; the two after it never started.
    expect(starts(dir)).toEqual(["a", "b"]);
    expect(NAMES.map((n) => versionOf(dir, n))).toEqual(["v2", "v2", "v1", "v1"]);
    const { id, state } = await latestRollback(dir);
    expect(state).toBe("escalated");
    const entries = await readJournal(dir, id);
    expect(eventsOf(entries, "step-started").map((e) => e.stepId)).toHaveLength(2);
    const samples = eventsOf(entries, "monitor-sample");
    const rates = samples.map((s) => Number(s.errorRate.toFixed(2)));
    expect(rates[0]).toBe(0);
    expect(rates).toContain(0.33);
    expect(rates.at(-1)).toBe(0.67);
    expect(samples.map((s) => s.aborted)).toEqual([...Array<boolean>(samples.length - 1).fill(false), true]);
    const escalated = eventsOf(entries, "escalated");
    expect(escalated).toHaveLength(1);
    expect(escalated[0]?.reason).toMatch(/^monitor: 2 of 3 checks failing \(share 0\.67 > 0\.5\)/);
    expect(escalated[0]?.notDone).toHaveLength(2);
    // No validation after an aborted rollback.
    expect(eventsOf(entries, "validation")).toEqual([]);

    const md = (await cli(["report", id], { cwd: dir })).stdout;
    expect(md).toMatch(
      /monitor-sample .*failing checks 0\.67 \(threshold 0\.5\): aborting; b#1:\S+ already running, allowed to finish/,
    );
    expect(md).toMatch(
      /while `b#1:[^`]+` was already running; it was allowed to finish, and no later step started/,
    );
    expect(samples.at(-1)?.runningSteps).toHaveLength(1);
    const file = join(dir, "report.html");
    expectExit(await cli(["report", id, "--format", "html", "-o", file], { cwd: dir }), 0);
    const html = readFileSync(file, "utf8");
    expect(html).toContain(`data-samples="${samples.length}"`);
    expect(html).toMatch(/class="sample over aborted"/);
    expect(html).toContain("The monitor aborted the rollback at");
  });
});
