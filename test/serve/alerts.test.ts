/**
 * POST /api/v1/alerts/alertmanager on the real server process: auth (the `alerts` role), bad
 * bodies, resolved and unmatched alerts ignored, dedupe by group key + fingerprint (+ startsAt),
 * the cooldown, the limit (then a notification instead), the data-loss gate with its approval
 * link, and decisions that survive a restart. Payloads have the shape Alertmanager 0.25 sends;
 * the end-to-end test with a real Alertmanager is alertmanager-e2e.test.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { Receiver } from "../notify/receiver.js";
import { alertPayload, postAlerts } from "./alert-payloads.js";
import { serveSection, startServer, until, type ServerProcess } from "./server-process.js";

const ALERTS_TOKEN = "alertmanager-token-0123456789abcdef";
const PUBLIC_URL = "https://backout.example.test/";
let dir: string;
let server: ServerProcess;
let receiver: Receiver;

const start = () => startServer(dir, { T_ALERTS: ALERTS_TOKEN });

const payload = alertPayload;
const post = (body: unknown) => postAlerts(server, ALERTS_TOKEN, body);

async function rollbackCount(): Promise<number> {
  const r = await server.call("GET", "/api/v1/rollbacks", { token: "viewer" });
  return (JSON.parse(r.text) as unknown[]).length;
}

async function stateOf(id: string): Promise<string> {
  return (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback.state;
}

const suppressedNotices = () => receiver.requests.map((q) => q.body).filter((b) => b.includes("SUPPRESSED"));
const cooldownNotices = () => suppressedNotices().filter((b) => b.includes("cooldown: trigger web-errors"));

/** From the store itself (the CLI), not the server's 250 ms status cache. */
async function undelivered(): Promise<number> {
  const r = await cli(["status", "--json"], { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { undeliveredNotifications: unknown[] }).undeliveredNotifications.length;
}

const deploy = (v: string) => {
  for (const n of ["web", "db", "cache"]) writeFileSync(join(dir, "state", n), v);
};
const stateFile = (n: string) => readFileSync(join(dir, "state", n), "utf8");

beforeAll(async () => {
  receiver = await new Receiver().start();
  dir = tempDir("serve-alerts");
  writeRecordingStep(dir);
  for (const n of ["web", "db", "cache"]) writeFileSync(join(dir, "state", n), "v1");
  writeFileSync(join(dir, "health"), "healthy");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: serve-alerts
${serveSection(`    - { name: alertmanager, env: T_ALERTS, roles: [alerts] }
  publicUrl: ${PUBLIC_URL}
  autoRollback: { maxRollbacks: 3, window: 1h }
`)}notifications:
  - { name: chat, slack: ${JSON.stringify(receiver.url("/hook"))} }
triggers:
  - name: web-errors
    match: ['alertname="WebErrors"', 'severity=~"page|critical"']
    action: rollback
    only: [web]
    cooldown: 1h
  - name: db-broken
    match: ['alertname=~"Db.*"']
    action: rollback
    only: [db]
    cooldown: 0s
  - name: cache-slow
    match: ['alertname="CacheSlow"']
    action: watch
    only: [cache]
    cooldown: 0s
watch:
  interval: 100ms
  count: 2
  checks: [{ command: [/bin/grep, -qx, healthy, ${JSON.stringify(join(dir, "health"))}] }]
components:
${recordingComponent(dir, "web")}${recordingComponent(dir, "db", { dataLoss: true })}${recordingComponent(dir, "cache")}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  deploy("v2");
  server = await start();
}, 120_000);

afterAll(async () => {
  server.proc.kill("SIGTERM");
  await server.proc;
  await receiver.stop();
});

describe("POST /api/v1/alerts/alertmanager", () => {
  it("needs a token with the alerts role; operators, approvers and viewers are refused", async () => {
    const body = payload([{ name: "Unrelated", fingerprint: "f0" }]);
    const none = await server.call("POST", "/api/v1/alerts/alertmanager", { body });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("AUTH_FAILED");
    for (const token of ["viewer", "operator", "approver", "both"]) {
      const r = await server.call("POST", "/api/v1/alerts/alertmanager", { token, body });
      expect(r.status, token).toBe(403);
      expect(r.json.error.code).toBe("FORBIDDEN");
    }
    expect(await post(body)).toEqual([expect.objectContaining({ outcome: "ignored" })]);
  });

  it("refuses malformed bodies with a clean 4xx naming the problem, and decides nothing", async () => {
    const good = payload([{ name: "WebErrors", fingerprint: "bad-body" }]);
    const cases: [string, { raw?: string; body?: unknown }, number, RegExp][] = [
      ["not JSON", { raw: "{ nope" }, 400, /json/i],
      ["version 3", { body: { ...good, version: "3" } }, 400, /version/],
      ["no alerts", { body: { ...good, alerts: undefined } }, 400, /alerts/],
      [
        "an alert without fingerprint",
        { body: { ...good, alerts: [{ ...good.alerts[0], fingerprint: undefined }] } },
        400,
        /fingerprint/,
      ],
      ["a label that is not a string", { body: { ...good, groupLabels: { a: 1 } } }, 400, /groupLabels/],
      ["too large", { body: { ...good, pad: "x".repeat(200_000) } }, 413, /./],
    ];
    for (const [what, o, status, message] of cases) {
      const r = await server.call("POST", "/api/v1/alerts/alertmanager", {
        token: ALERTS_TOKEN,
        ...o,
        headers: { "content-type": "application/json" },
      });
      expect(r.status, `${what}: ${r.text.slice(0, 300)}`).toBe(status);
      expect(r.json.error.message, what).toMatch(message);
      expect(r.json.error.retryable, what).toBe(false);
    }
    expect(await rollbackCount()).toBe(0);
    expect(stateFile("web")).toBe("v2");
  });

  it("ignores resolved alerts and alerts no trigger matches", async () => {
    const results = await post(
      payload([
        { name: "WebErrors", fingerprint: "resolved-1", status: "resolved" },
        { name: "WebErrors", fingerprint: "info-1", severity: "info" },
        { name: "Other", fingerprint: "other-1" },
      ]),
    );
    expect(results.map((r) => [r.outcome, r.reason])).toEqual([
      ["ignored", "resolved"],
      ["ignored", "no trigger matches its labels"],
      ["ignored", "no trigger matches its labels"],
    ]);
    expect(await rollbackCount()).toBe(0);
  });

  it("rolls back on a firing alert, once per occurrence; the cooldown suppresses the next one", async () => {
    const first = payload([{ name: "WebErrors", fingerprint: "web-1" }], '{}:{alertname="WebErrors"}');
    const [r] = await post(first);
    expect(r).toMatchObject({ outcome: "triggered", trigger: "web-errors" });
    const id = r?.rollbackId ?? "";
    await until("the alert's rollback to finish", async () => (await stateOf(id)) === "succeeded");
    expect(stateFile("web")).toBe("v1");
    expect(stateFile("db")).toBe("v2"); // only: [web]
    const shown = await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" });
    expect(shown.json.events[0]?.event.requestedBy).toBe("alert:web-errors (WebErrors)");

    // Alertmanager sends the same group again (repeat_interval, another HA peer): nothing new.
    expect(await post(first)).toEqual([expect.objectContaining({ outcome: "duplicate" })]);
    // The same labels firing again later: a new occurrence, within the trigger's cooldown.
    const again = await post(
      payload([{ name: "WebErrors", fingerprint: "web-1", startsAt: "2026-12-02T06:05:00.000Z" }]),
    );
    expect(again).toEqual([expect.objectContaining({ outcome: "suppressed" })]);
    expect(again[0]?.reason).toMatch(/^cooldown: trigger web-errors acted \d+ s ago \(cooldown 3600 s\)$/);
    expect(await rollbackCount()).toBe(1);

    // Suppressed by the cooldown: told like past the limit, once per occurrence. The re-send is
    // a duplicate; once the outbox holds nothing undelivered, a notice it had added would be here.
    expect(
      await post(
        payload([{ name: "WebErrors", fingerprint: "web-1", startsAt: "2026-12-02T06:05:00.000Z" }]),
      ),
    ).toEqual([expect.objectContaining({ outcome: "duplicate" })]);
    await until("the cooldown's notice", () => cooldownNotices().length > 0);
    await until("nothing undelivered", async () => (await undelivered()) === 0);
    expect(cooldownNotices()).toHaveLength(1);
    expect(cooldownNotices()[0]).toContain('alertname=\\"WebErrors\\"');
    expect(cooldownNotices()[0]).toContain(id); // the rollback that started the cooldown
  });

  it("a data-loss plan waits for an approver and the notification links to its approval page", async () => {
    const [r] = await post(payload([{ name: "DbErrors", fingerprint: "db-1" }], '{}:{alertname="Db"}'));
    expect(r).toMatchObject({ outcome: "triggered", trigger: "db-broken" });
    const id = r?.rollbackId ?? "";
    await until("the gate", async () => (await stateOf(id)) === "awaiting-confirmation");
    expect(stateFile("db")).toBe("v2");
    await until("the awaiting-confirmation notification", () =>
      receiver.requests.some((q) => q.body.includes(`#rollback=${id}`)),
    );
    const note = receiver.requests.find((q) => q.body.includes(`#rollback=${id}`))?.body ?? "";
    expect(note).toContain(`https://backout.example.test/ui/#rollback=${id}`);
    expect(note).toContain("PAUSED");

    const plan = (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback
      .plan;
    const ok = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: plan.hash },
    });
    expect(ok.status, ok.text).toBe(202);
    await until("the approved rollback", async () => (await stateOf(id)) === "succeeded");
    expect(stateFile("db")).toBe("v1");
  });

  it("action watch: an analysis that passes rolls nothing back and takes no checkpoint", async () => {
    const checkpoints = (await server.call("GET", "/api/v1/checkpoints", { token: "viewer" })).text;
    const [r] = await post(
      payload([{ name: "CacheSlow", fingerprint: "cache-1" }], '{}:{alertname="Cache"}'),
    );
    expect(r).toMatchObject({
      outcome: "triggered",
      trigger: "cache-slow",
      reason: "watch analysis started",
    });
    await until("the analysis to end", () => server.logs().includes("no rollback: analysis passed"));
    expect(await rollbackCount()).toBe(2);
    expect(stateFile("cache")).toBe("v2");
    expect((await server.call("GET", "/api/v1/checkpoints", { token: "viewer" })).text).toBe(checkpoints);
  });

  it("action watch: a failing analysis rolls back the trigger's components", async () => {
    writeFileSync(join(dir, "health"), "broken");
    const [r] = await post(
      payload([{ name: "CacheSlow", fingerprint: "cache-2" }], '{}:{alertname="Cache"}'),
    );
    expect(r).toMatchObject({ outcome: "triggered", trigger: "cache-slow" });
    await until("the watch's rollback", async () => (await rollbackCount()) === 3);
    const [latest] = JSON.parse(
      (await server.call("GET", "/api/v1/rollbacks", { token: "viewer" })).text,
    ) as {
      id: string;
    }[];
    await until("it to succeed", async () => (await stateOf(latest?.id ?? "")) === "succeeded");
    expect(stateFile("cache")).toBe("v1");
    expect(stateFile("web")).toBe("v1");
    writeFileSync(join(dir, "health"), "healthy");
  });

  it("past serve.autoRollback.maxRollbacks it notifies instead, counted in /metrics", async () => {
    deploy("v3");
    const [r] = await post(payload([{ name: "DbErrors", fingerprint: "db-2" }], '{}:{alertname="Db"}'));
    expect(r).toMatchObject({ outcome: "suppressed", trigger: "db-broken" });
    expect(r?.reason).toMatch(/^limit: 3 automatic rollback\(s\) in the last 3600 s/);
    expect(await rollbackCount()).toBe(3);
    expect(stateFile("db")).toBe("v3");
    const limited = () => suppressedNotices().filter((b) => b.includes("not rolled back: limit"));
    await until("the suppressed notification", () => limited().length > 0);
    expect(limited()[0]).toContain('alertname=\\"DbErrors\\"');
    const metrics = (await server.call("GET", "/metrics", { token: "viewer" })).text;
    // The rollbacks that started: web, db (once approved) and the failing watch's; the passing
    // watch analysis rolled nothing back.
    expect(metrics).toContain('backout_auto_rollbacks_total{outcome="triggered"} 3');
    // duplicate, cooldown, the cooldown's re-send (a duplicate), limit
    expect(metrics).toContain('backout_auto_rollbacks_total{outcome="suppressed"} 4');
  });

  it("decisions survive a restart: a re-sent alert is still a duplicate, the limit still holds", async () => {
    server.proc.kill("SIGTERM");
    expect((await server.proc).exitCode).toBe(0);
    server = await start();
    const web = await post(
      payload([{ name: "WebErrors", fingerprint: "web-1" }], '{}:{alertname="WebErrors"}'),
    );
    expect(web.map((x) => x.outcome)).toEqual(["duplicate"]);
    const db = await post(payload([{ name: "DbErrors", fingerprint: "db-3" }], '{}:{alertname="Db"}'));
    expect(db.map((x) => x.outcome)).toEqual(["suppressed"]);
    expect(await rollbackCount()).toBe(3);
  });
});
