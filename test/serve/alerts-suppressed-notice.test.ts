/**
 * "At most N automatic rollbacks per window, then notify instead", on the real server process
 * and a real webhook receiver: the notice of a suppressed alert goes through the outbox. With
 * the receiver refusing at first it is retried until delivered; with the server SIGKILLed right
 * after the decision (BACKOUT_FAILPOINT) the next server delivers it. Once per decision: a
 * re-sent alert adds no notice. serve.autoRollback.maxRollbacks is 0, so no rollback exists.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { Receiver } from "../notify/receiver.js";
import { until, untilValue } from "../support/until.js";
import { alertPayload, postAlerts } from "./alert-payloads.js";
import { serveSection, startServer, type ServerProcess } from "./server-process.js";

const ALERTS_TOKEN = "alertmanager-token-0123456789abcdef";
const SECRET = `whsec_${Buffer.from("suppressed-notice-signing-key-01234").toString("base64")}`;
const ENV = { T_ALERTS: ALERTS_TOKEN, NOTICE_SECRET: SECRET };
const WAIT = { timeoutMs: 90_000, everyMs: 100 };

interface Undelivered {
  rollbackId: string | null;
  subject: string;
  about: string;
  webhookId: string;
  attempts: number;
  willRetry: boolean;
  lastError: { message: string } | null;
}

let dir: string;
let receiver: Receiver;

const alert = (name: string, fingerprint: string) =>
  alertPayload([{ name, fingerprint }], `{}:{alertname="${name}"}`);
const post = (s: ServerProcess, body: unknown) => postAlerts(s, ALERTS_TOKEN, body);
const webhookIds = () => receiver.requests.map((q) => String(q.headers["webhook-id"]));

async function apiUndelivered(s: ServerProcess): Promise<Undelivered[]> {
  const r = await s.call("GET", "/api/v1/status", { token: "viewer" });
  return (JSON.parse(r.text) as { undeliveredNotifications: Undelivered[] }).undeliveredNotifications;
}

/** From the store itself (the CLI), not the server's 250 ms status cache. */
async function cliUndelivered(): Promise<Undelivered[]> {
  const r = await cli(["status", "--json"], { cwd: dir, env: ENV });
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { undeliveredNotifications: Undelivered[] }).undeliveredNotifications;
}

/**
 * The decided alert re-sent is a duplicate; then another alert, suppressed too: once its notice
 * (the second webhook-id) arrived and the outbox holds nothing undelivered, a notice the re-send
 * had added would have arrived too.
 */
async function resentAddsNone(s: ServerProcess, resent: unknown, other: unknown): Promise<void> {
  expect(await post(s, resent)).toEqual([expect.objectContaining({ outcome: "duplicate" })]);
  expect(await post(s, other)).toEqual([expect.objectContaining({ outcome: "suppressed" })]);
  await until("the other alert's notice", () => new Set(webhookIds()).size === 2, WAIT);
  const left = await untilValue("nothing undelivered", cliUndelivered, (l) => l.length === 0, WAIT);
  expect(left).toEqual([]);
}

async function stop(s: ServerProcess): Promise<void> {
  s.proc.kill("SIGTERM");
  await s.proc;
}

beforeAll(async () => {
  receiver = await new Receiver().start();
  dir = tempDir("serve-notice");
  writeRecordingStep(dir);
  writeFileSync(join(dir, "state", "db"), "v1");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: serve-notice
${serveSection(`    - { name: alertmanager, env: T_ALERTS, roles: [alerts] }
  autoRollback: { maxRollbacks: 0, window: 1h }
`)}notifications:
  - name: notice
    webhook: ${JSON.stringify(receiver.url("/hook"))}
    secret: \${NOTICE_SECRET}
    on: [auto-rollback-suppressed]
triggers:
  - name: db-broken
    match: ['alertname=~"Db.*"']
    action: rollback
    only: [db]
    cooldown: 0s
components:
${recordingComponent(dir, "db")}`,
  );
}, 60_000);

afterAll(() => receiver.stop());

describe("a suppressed automatic rollback's notice goes through the outbox (real server)", () => {
  it("the receiver refusing at first: retried until delivered, listed meanwhile, once per decision", async () => {
    receiver.reset();
    receiver.script = Array<number>(10_000).fill(503);
    const s = await startServer(dir, ENV);
    try {
      const [r] = await post(s, alert("DbDown", "db-down"));
      expect(r).toMatchObject({ outcome: "suppressed", trigger: "db-broken" });
      expect(r?.reason).toMatch(/^limit: 0 automatic rollback\(s\) in the last 3600 s/);

      // Not delivered yet: the operator sees it in GET /api/v1/status, with no rollback.
      const [pending] = await untilValue(
        "the notice listed undelivered after a failed attempt",
        () => apiUndelivered(s),
        (l) => l.some((n) => n.attempts >= 1),
        WAIT,
      );
      expect(pending).toMatchObject({
        rollbackId: null,
        about: "auto-rollback-suppressed",
        willRetry: true,
        lastError: { message: expect.stringMatching(/503/) as unknown },
      });
      expect(pending?.subject).toMatch(/^alert:serve-notice:[0-9a-f]{16}:\d+$/);
      await until(
        "the failed attempt in the server log",
        () => s.logs().includes("not delivered to notice; retried later"),
        WAIT,
      );

      // The receiver comes back.
      const back = receiver.requests.length;
      receiver.script = [];
      await until("the notice delivered", async () => (await apiUndelivered(s)).length === 0, WAIT);
      expect(receiver.requests.slice(back)).toHaveLength(1);
      expect(new Set(webhookIds())).toEqual(new Set([pending?.webhookId]));
      const body = receiver.requests.at(-1)?.body ?? "";
      expect(body).toContain("rollback.auto-rollback-suppressed");
      expect(body).toContain('alertname=\\"DbDown\\"');
      await until("the delivery in the server log", () => s.logs().includes("delivered to notice"), WAIT);

      // Re-sent: a duplicate, no second notice. Another alert: its own notice, its own id.
      await resentAddsNone(s, alert("DbDown", "db-down"), alert("DbSlow", "db-slow"));
      expect(receiver.requests.slice(back)).toHaveLength(2);
    } finally {
      await stop(s);
    }
  }, 240_000);

  it("SIGKILL right after the decision: the next server delivers the notice, once", async () => {
    receiver.reset();
    const first = await startServer(dir, { ...ENV, BACKOUT_FAILPOINT: "alert-decision:after" });
    await expect(post(first, alert("DbGone", "db-gone"))).rejects.toThrow();
    expect((await first.proc).signal, first.logs()).toBe("SIGKILL");
    expect(receiver.requests).toEqual([]);
    const [left] = await cliUndelivered();
    expect(left).toMatchObject({ rollbackId: null, attempts: 0, willRetry: true });

    const second = await startServer(dir, ENV);
    try {
      await until("the notice from the next server", () => receiver.requests.length === 1, WAIT);
      expect(webhookIds()).toEqual([left?.webhookId]);
      expect(receiver.requests[0]?.body).toContain('alertname=\\"DbGone\\"');
      // Re-sent: a duplicate, no second notice. Another alert: its own notice, its own id.
      await resentAddsNone(second, alert("DbGone", "db-gone"), alert("DbLost", "db-lost"));
      expect(webhookIds().filter((id) => id === left?.webhookId)).toHaveLength(1);
      expect(receiver.requests).toHaveLength(2);
    } finally {
      await stop(second);
    }
  }, 240_000);
});
