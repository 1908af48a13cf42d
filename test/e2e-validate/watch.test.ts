/**
 * `backout watch` end to end, with no person involved: a release whose v2 fails 70% of its
 * /api calls is deployed, a REAL Prometheus scrapes it, the watch's metric check sees the
 * error ratio and its http check sees the 500s, the analysis fails and backout rolls back to
 * the last good checkpoint on its own. Then a passing watch marks the fixed state good, and
 * a watch whose query has no data ends inconclusive without changing anything.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { startPrometheus, type PrometheusServer } from "../support/prometheus.js";
import { expectExit, history, jsonReport, latestRollback, readJournal, eventsOf } from "./helpers.js";
import { apiStatuses, startReleaseApp, type ReleaseApp } from "./release-app.js";

const ERROR_RATIO = 'sum(rate(http_requests_total{code="500"}[4s])) / sum(rate(http_requests_total[4s]))';

let dir: string;
let app: ReleaseApp | undefined;
let prometheus: PrometheusServer | undefined;

function watchYaml(query: string, limits: string): string {
  return `version: 1
environment: watched
policies:
  retry: { initialInterval: 100ms }
watch:
${limits}
  checks:
    - name: api error ratio
      metric:
        prometheus: ${prometheus?.url ?? ""}
        query: ${JSON.stringify(query)}
        compare: "<"
        threshold: 0.2
      retries: 0
    - name: api answers
      http: ${app?.url ?? ""}/api
      retries: 0
components:
${app?.componentYaml("api") ?? ""}`;
}

interface CheckpointRow {
  name: string;
  good: boolean;
  components: Record<string, { version: string }>;
}

async function checkpoints(): Promise<CheckpointRow[]> {
  const r = await cli(["checkpoints", "--json"], { cwd: dir });
  expectExit(r, 0);
  return JSON.parse(r.stdout) as CheckpointRow[];
}

interface MeasurementLine {
  measurement?: { verdict: string; results: { name: string; status: string; value?: number }[] };
  watch?: { verdict: string; reason: string; rollback?: { rollbackId: string; state: string } };
}

function parseLines(stdout: string): MeasurementLine[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as MeasurementLine);
}

beforeAll(async () => {
  dir = tempDir("e2e-watch");
  app = await startReleaseApp(dir);
  prometheus = await startPrometheus({ targets: [app.address] });
  writeFileSync(
    join(dir, "backout.yaml"),
    watchYaml(ERROR_RATIO, "  interval: 1s\n  count: 6\n  failureLimit: 1"),
  );
  expectExit(await cli(["checkpoint", "--good", "--name", "v1-good"], { cwd: dir }), 0);
});

afterAll(async () => {
  app?.stop();
  await prometheus?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("backout watch after a deploy", () => {
  it("detects the degraded v2 and rolls back to v1 with no person involved (exit 6)", async () => {
    const a = app!;
    const prom = prometheus!;
    await a.deploy("v2");
    expect(await apiStatuses(a.url, 10)).toContain(500);
    // Prometheus really sees the degradation before the watch starts.
    await prom.waitFor(ERROR_RATIO, (v) => v > 0.5, 15_000);

    const r = await cli(["watch", "--json"], { cwd: dir });
    expectExit(r, 6);
    const lines = parseLines(r.stdout);
    const measurements = lines.flatMap((l) => (l.measurement ? [l.measurement] : []));
    // failureLimit 1: the second failed measurement ends the analysis, long before count 6.
    expect(measurements.map((m) => m.verdict)).toEqual(["fail", "fail"]);
    const metric = measurements[0]?.results.find((c) => c.name === "api error ratio");
    expect(metric?.status).toBe("fail");
    expect(metric?.value ?? 0).toBeGreaterThan(0.5);
    const summary = lines.find((l) => l.watch)?.watch;
    expect(summary?.verdict).toBe("failed");
    expect(summary?.rollback?.state).toBe("succeeded");

    const latest = await latestRollback(dir);
    expect(latest).toMatchObject({ id: summary?.rollback?.rollbackId, state: "succeeded" });
    const queued = eventsOf(await readJournal(dir, latest.id), "queued");
    expect(queued).toHaveLength(1);
    expect(queued[0]?.requestedBy).toMatch(/^backout watch \(analysis failed: 2 failed measurement/);
    expect((await jsonReport(dir, latest.id)).requestedBy).toBe(queued[0]?.requestedBy);

    // Back on v1, and healthy: every /api call answers 200.
    expect(a.current()).toBe("releases/v1");
    expect(await (await fetch(`${a.url}/version`)).text()).toBe("v1");
    expect(await apiStatuses(a.url, 10)).toEqual(Array<number>(10).fill(200));
  });

  it("passes on the fixed state and marks a new checkpoint good (exit 0)", async () => {
    // The 4s rate window must forget v2 first; the watch itself then has to see it too.
    await prometheus!.waitFor(ERROR_RATIO, (v) => v < 0.2, 15_000);
    const before = await history(dir);
    const r = await cli(["watch", "--name", "after-fix"], { cwd: dir });
    expectExit(r, 0);
    expect(r.stderr).toMatch(/measurement 6\/6: pass/);
    expect(r.stderr).toMatch(/checkpoint after-fix marked good/);
    const [newest] = await checkpoints();
    expect(newest).toMatchObject({ name: "after-fix", good: true, components: { api: { version: "v1" } } });
    expect(await history(dir)).toEqual(before); // no rollback
  });

  it("ends inconclusive (exit 7) when the query has no data, and changes nothing", async () => {
    const file = join(dir, "inconclusive.yaml");
    writeFileSync(
      file,
      watchYaml(
        "sum(rate(backout_no_such_metric_total[1m]))",
        "  interval: 200ms\n  count: 5\n  inconclusiveLimit: 1",
      ),
    );
    const rollbacksBefore = await history(dir);
    const checkpointsBefore = await checkpoints();
    const r = await cli(["-c", file, "watch"], { cwd: dir });
    expectExit(r, 7);
    expect(r.stderr).toMatch(/measurement 2\/5: inconclusive/);
    expect(r.stderr).toMatch(/no data/);
    expect(r.stderr).toMatch(/analysis inconclusive/);
    expect(await history(dir)).toEqual(rollbacksBefore);
    expect(await checkpoints()).toEqual(checkpointsBefore);
    expect(app!.current()).toBe("releases/v1");
  });
});
