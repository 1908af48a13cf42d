/**
 * Alert-driven rollback with every part real: a service whose error rate follows its release
 * (a file a `command` component writes), Prometheus scraping it every second with an alerting
 * rule, Alertmanager 0.25 (Debian prometheus-alertmanager) routing the alert to `backout serve`
 * with a bearer token from http_config, and backout rolling the release back. The service
 * recovers and the alert resolves. Prints the seconds from the first bad scrape to the
 * rollback's start, to the first clean scrape, and to the alert's resolution.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { startAlertmanager, type AlertmanagerServer } from "../support/alertmanager.js";
import { startFlakyService, type FlakyService } from "../support/flaky-service.js";
import { startPrometheus, type PrometheusServer } from "../support/prometheus.js";
import { until } from "../support/until.js";
import { serveSection, startServer, type ServerProcess } from "./server-process.js";

const TOKEN = "alertmanager-e2e-token-0123456789";
const GOOD = "0";
const BAD = "0.5";

let dir: string;
let service: FlakyService;
let server: ServerProcess;
let am: AlertmanagerServer;
let prometheus: PrometheusServer;

const RULES = `groups:
  - name: backout-e2e
    interval: 1s
    rules:
      - alert: HighErrorRate
        expr: sum(rate(http_requests_total{code="500"}[10s])) / sum(rate(http_requests_total[10s])) > 0.1
        for: 2s
        labels: { severity: page, service: app }
        annotations: { summary: more than 10% of requests fail }
`;

function alertmanagerConfig(webhook: string, tokenFile: string): string {
  return `route:
  receiver: backout
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: backout
    webhook_configs:
      - url: ${webhook}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${tokenFile}
`;
}

beforeAll(async () => {
  dir = tempDir("alertmanager-e2e");
  writeRecordingStep(dir);
  const release = join(dir, "state", "app");
  writeFileSync(release, GOOD);
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: alert-e2e
${serveSection("    - { name: alertmanager, env: T_ALERTS, roles: [alerts] }\n")}triggers:
  - name: app-errors
    match: ['alertname="HighErrorRate"', 'severity=~"page|critical"']
    action: rollback
components:
${recordingComponent(dir, "app")}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "good-release"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  service = await startFlakyService({ requestsPerSecond: 200, rateFile: release });
  server = await startServer(dir, { T_ALERTS: TOKEN });
  writeFileSync(join(dir, "am-token"), TOKEN);
  am = await startAlertmanager(
    alertmanagerConfig(`${server.url}/api/v1/alerts/alertmanager`, join(dir, "am-token")),
  );
  prometheus = await startPrometheus({
    targets: [service.address],
    rules: RULES,
    alertmanagers: [am.address],
  });
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await am?.stop();
  if (server) {
    server.proc.kill("SIGTERM");
    await server.proc;
  }
  await service?.close();
});

interface Listed {
  id: string;
  state: string;
}
interface Shown {
  rollback: { state: string };
  events: { at: number; event: { type: string; requestedBy?: string } }[];
}

async function rollbacks(): Promise<Listed[]> {
  const r = await server.call("GET", "/api/v1/rollbacks", { token: "viewer" });
  return JSON.parse(r.text) as Listed[];
}

async function show(id: string): Promise<Shown> {
  return JSON.parse((await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).text) as Shown;
}

const context = () =>
  `\n--- server ---\n${server.logs().slice(-3000)}\n--- alertmanager ---\n${am.log().slice(-3000)}\n--- prometheus ---\n${prometheus.log()}`;

it("a bad release fires the alert, Alertmanager calls backout, the rollback restores it and the alert resolves", async () => {
  const before = service.counts().errors;
  const flipped = Date.now();
  writeFileSync(join(dir, "state", "app.tmp"), BAD);
  // The "deploy": atomically, as a release tool switches a symlink.
  renameSync(join(dir, "state", "app.tmp"), join(dir, "state", "app"));

  await until("an alert-driven rollback" + context(), async () => (await rollbacks()).length > 0, {
    timeoutMs: 120_000,
    everyMs: 100,
  });
  const [listed] = await rollbacks();
  const id = listed?.id ?? "";
  await until(
    "the rollback to succeed" + context(),
    async () => (await show(id)).rollback.state === "succeeded",
    { timeoutMs: 120_000, everyMs: 100 },
  );
  const { events } = await show(id);
  expect(events[0]?.event.requestedBy).toBe("alert:app-errors (HighErrorRate)");
  const startedAt = events.find((e) => e.event.type === "started")?.at ?? NaN;
  const restoredAt = events.find((e) => e.event.type === "step-succeeded")?.at ?? NaN;

  // The service is healthy again: a scrape after the rollback with no new errors.
  await until("a clean scrape after the rollback", () => cleanScrapeAfter(restoredAt) !== undefined, {
    timeoutMs: 60_000,
    everyMs: 100,
  });
  // The alert resolves in Prometheus and in Alertmanager.
  await until(
    "the alert to resolve" + context(),
    async () =>
      (await prometheus.value('count(ALERTS{alertname="HighErrorRate"})')) === undefined &&
      !(await am.alerts()).some((a) => a.labels.alertname === "HighErrorRate" && a.status.state === "active"),
    { timeoutMs: 120_000, everyMs: 250 },
  );
  const resolvedAt = Date.now();

  const firstBad = service.scrapes.find((s) => s.at >= flipped && s.errors > before);
  expect(firstBad, "a scrape saw the errors").toBeDefined();
  const bad = firstBad?.at ?? NaN;
  const clean = cleanScrapeAfter(restoredAt) ?? NaN;
  const s = (ms: number) => (ms / 1000).toFixed(1);
  console.log(
    `alert-driven rollback: first bad scrape -> rollback started ${s(startedAt - bad)} s, ` +
      `-> release restored ${s(restoredAt - bad)} s, -> first clean scrape ${s(clean - bad)} s, ` +
      `-> alert resolved (polled) ${s(resolvedAt - bad)} s ` +
      "(scrape 1s, rate[10s], for: 2s, group_wait 1s)",
  );
  expect(startedAt).toBeGreaterThan(bad);
  expect(clean).toBeGreaterThan(restoredAt);
  // Exactly one rollback: Alertmanager's later notifications (resolved) start nothing.
  expect(await rollbacks()).toHaveLength(1);
  const metrics = (await server.call("GET", "/metrics", { token: "viewer" })).text;
  expect(metrics).toContain('backout_auto_rollbacks_total{outcome="triggered"} 1');
}, 300_000);

/** When the first scrape after `at` reported no new errors (the one before it is the baseline). */
function cleanScrapeAfter(at: number): number | undefined {
  const list = service.scrapes;
  for (let i = 1; i < list.length; i++) {
    const prev = list[i - 1];
    const cur = list[i];
    if (prev && cur && prev.at > at && cur.errors === prev.errors) return cur.at;
  }
  return undefined;
}
