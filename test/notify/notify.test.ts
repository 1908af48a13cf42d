import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Redactor } from "../../src/config/redactor.js";
import { ManualClock } from "../../src/core/clock.js";
import { notify } from "../../src/notify/notify.js";
import type { NotifyMessage } from "../../src/notify/message.js";
import { notificationsSchema, type NotificationChannel } from "../../src/notify/schema.js";
import { until } from "../support/until.js";
import { closedPort, Receiver } from "./receiver.js";
import { verifyStandardWebhook } from "./verify-standard-webhook.js";

const SECRET = `whsec_${Buffer.from("backout-test-signing-key-0123456789").toString("base64")}`;
const WRONG_SECRET = `whsec_${Buffer.from("some-other-signing-key-9876543210").toString("base64")}`;
// The token part of a Slack URL: a credential that must never show in results.
const SLACK_TOKEN = "XyZsecretSlackToken42";
const SLACK_PATH = `/services/T0001/B0001/${SLACK_TOKEN}`;
const HOOK_PATH = "/hooks/backout-private-7f3a";

const redactor = new Redactor();
redactor.add("db-password-hunter2");

const message: NotifyMessage = {
  about: "awaiting-confirmation",
  rollbackId: "rb-20250115-1",
  environment: "production",
  state: "awaiting-confirmation",
  summary: "db#1:migrate-down may drop users.nickname (1,204 values); password db-password-hunter2 <b>",
  planHash: "d4f1".padEnd(64, "0"),
  reportHint: "backout report rb-20250115-1 --format md",
  at: Date.UTC(2025, 0, 15, 10, 0, 0),
};

const receiver = new Receiver();
beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
});
beforeEach(() => receiver.reset());

function channels(value: unknown): NotificationChannel[] {
  return notificationsSchema.parse(value);
}

const opts = { redact: (t: string) => redactor.redact(t), timeoutMs: 3000, retryDelayMs: 50 };

describe("notify: Slack", () => {
  it("posts {text, blocks} JSON with the approve command and no secret", async () => {
    const results = await notify(channels([{ slack: receiver.url(SLACK_PATH) }]), message, opts);
    expect(results).toEqual([
      { channel: expect.stringContaining("slack http://127.0.0.1:") as unknown, ok: true },
    ]);
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.path).toBe(SLACK_PATH);
    expect(req.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(req.body) as { text: unknown; blocks: { type: string }[] };
    expect(typeof body.text).toBe("string");
    expect(body.text).toContain("rb-20250115-1");
    expect(body.blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of body.blocks) expect(["section", "context"]).toContain(b.type);
    expect(req.body).toContain("backout approve rb-20250115-1 --plan-hash d4f100000000");
    expect(req.body).toContain("&lt;b&gt;"); // Slack mrkdwn escaping
    expect(req.body).not.toContain("db-password-hunter2");
    expect(req.body).toContain("***");
  });

  it("only sends the events a channel asked for", async () => {
    const chans = channels([
      { name: "esc-only", slack: receiver.url(SLACK_PATH), on: ["escalated"] },
      { name: "all", slack: receiver.url(SLACK_PATH) },
    ]);
    const results = await notify(chans, message, opts);
    expect(results.map((r) => r.channel)).toEqual(["all"]);
    expect(receiver.requests).toHaveLength(1);
  });
});

describe("notify: signed webhooks", () => {
  const webhook = () => channels([{ name: "hook", webhook: receiver.url(HOOK_PATH), secret: SECRET }]);

  it("signs per Standard Webhooks; the receiver verifies it, a wrong secret would not", async () => {
    const results = await notify(webhook(), { ...message, about: "escalated", state: "escalated" }, opts);
    expect(results).toEqual([{ channel: "hook", ok: true }]);
    const req = receiver.requests[0]!;
    expect(req.headers["webhook-id"]).toMatch(/^msg_[A-Za-z0-9]+$/);
    expect(req.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(req.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    expect(verifyStandardWebhook(SECRET, req.headers, req.body)).toEqual({ ok: true });
    expect(verifyStandardWebhook(WRONG_SECRET, req.headers, req.body).ok).toBe(false);
    expect(verifyStandardWebhook(SECRET, req.headers, req.body.replace("escalated", "succeeded")).ok).toBe(
      false,
    );
    const payload = JSON.parse(req.body) as { type: string; data: Record<string, unknown> };
    expect(payload.type).toBe("rollback.escalated");
    expect(payload.data).toMatchObject({ rollbackId: "rb-20250115-1", environment: "production" });
  });

  it("retries once after a 500, with the same id and a valid signature", async () => {
    receiver.script = [500, 200];
    const results = await notify(webhook(), message, opts);
    expect(results).toEqual([{ channel: "hook", ok: true }]);
    expect(receiver.requests).toHaveLength(2);
    const [a, b] = receiver.requests;
    expect(a!.headers["webhook-id"]).toBe(b!.headers["webhook-id"]);
    for (const r of receiver.requests) expect(verifyStandardWebhook(SECRET, r.headers, r.body).ok).toBe(true);
  });

  it("retries only once: 500 twice is a failure after 2 attempts", async () => {
    receiver.script = [500, 503, 200];
    const [result] = await notify(webhook(), message, opts);
    expect(result?.ok).toBe(false);
    expect(receiver.requests).toHaveLength(2);
    expect(result?.error?.message).toContain("HTTP 503");
    expect(result?.error?.message).toContain("2 attempts");
  });

  it("does not retry a 4xx", async () => {
    receiver.script = [410];
    const [result] = await notify(webhook(), message, opts);
    expect(result?.ok).toBe(false);
    expect(receiver.requests).toHaveLength(1);
    expect(result?.error?.hint).toContain("secret");
  });
});

describe("notify: failures never throw and never leak", () => {
  it("a receiver that is down gives ok:false with a clear error, without waiting out the timeout", async () => {
    const port = await closedPort();
    const chans = channels([
      { slack: `http://127.0.0.1:${port}${SLACK_PATH}` },
      { webhook: `http://127.0.0.1:${port}${HOOK_PATH}?token=abc123`, secret: SECRET },
    ]);
    // A refused connection is the error, not the budget running out (that would say "no answer
    // ... within 60000 ms"): no wall-clock bound needed to prove it did not wait.
    const results = await notify(chans, message, { ...opts, timeoutMs: 60_000 });
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.error?.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+\/\*\*\*: ECONNREFUSED/);
      expect(r.error?.message).toContain("2 attempts");
    }
    assertNoSecrets(results);
  });

  it("a receiver that never answers is given up when the budget runs out on the clock", async () => {
    receiver.hang = true;
    const clock = new ManualClock(message.at);
    const chans = channels([{ slack: receiver.url(SLACK_PATH) }]);
    const sent = notify(chans, message, { ...opts, timeoutMs: 60_000, clock });
    // The real receiver holds the request; only the clock's budget can end it.
    await until(
      "the request at the hung receiver, the budget on the clock",
      () => receiver.requests.length === 1 && clock.pendingSleepers === 1,
    );
    clock.advance(59_999);
    expect(clock.pendingSleepers).toBe(1); // not given up before the budget
    clock.advance(1);
    const [result] = await sent;
    // The budget covers both attempts, so an attempt that used it all up is not retried.
    expect(receiver.requests).toHaveLength(1);
    expect(result?.ok).toBe(false);
    expect(result?.error?.code).toBe("COMMAND_TIMEOUT");
    expect(result?.error?.message).toContain("within 60000 ms");
    await until("the abandoned request's connection closed", () => receiver.open === 0);
    assertNoSecrets([result]);
  });

  it("a 500 from Slack does not show the URL path in the error", async () => {
    receiver.script = [500, 500];
    const results = await notify(channels([{ slack: receiver.url(SLACK_PATH) }]), message, opts);
    expect(results[0]?.ok).toBe(false);
    expect(results[0]?.error?.message).toContain("/***");
    assertNoSecrets(results);
  });
});

function assertNoSecrets(results: unknown[]): void {
  const text = JSON.stringify(results);
  for (const secret of [SLACK_TOKEN, SLACK_PATH, HOOK_PATH, "abc123", SECRET, SECRET.slice(6)]) {
    expect(text).not.toContain(secret);
  }
}
