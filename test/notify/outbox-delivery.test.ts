/**
 * OutboxDelivery over a real store and a real receiver, for messages that belong to no rollback
 * (a suppressed automatic rollback's notice): delivered like any, their attempts on the row and
 * reported to the listeners, not journalled. And a message another process is sending is taken
 * up when that process's claim lapses, without the delivery spinning on it meanwhile.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Redactor } from "../../src/config/redactor.js";
import type { DeliveryAttempt, NotificationMessage } from "../../src/core/checks.js";
import { ManualClock } from "../../src/core/clock.js";
import { DEFAULT_DELIVERY, OutboxDelivery } from "../../src/notify/deliver.js";
import { channelOutbox } from "../../src/notify/outbox.js";
import type { NotificationChannel } from "../../src/notify/schema.js";
import type { AlertDecision } from "../../src/store/alert-decisions.js";
import type { SqliteStore } from "../../src/store/sqlite/index.js";
import type { Store } from "../../src/store/store.js";
import { freshStore } from "../store/helpers.js";
import { until } from "../support/until.js";
import { Receiver } from "./receiver.js";

const SECRET = `whsec_${Buffer.from("outbox-delivery-signing-key-0123456").toString("base64")}`;
const message: NotificationMessage = {
  about: "auto-rollback-suppressed",
  rollbackId: "none",
  environment: "prod",
  state: "running",
  summary: 'alert {alertname="DbDown"} matched trigger db; not rolled back: limit',
  planHash: "",
  at: 1_000,
};

/** A suppressed decision taken at 1 000. */
const suppressed = (dedupeKey: string): AlertDecision => ({
  environment: "prod",
  dedupeKey,
  at: 1_000,
  trigger: "db",
  action: "rollback",
  outcome: "suppressed",
  reason: "limit",
  labels: {},
});

let receiver: Receiver;
beforeAll(async () => (receiver = await new Receiver().start()));
afterAll(() => receiver.stop());

describe("outbox delivery of messages without a rollback", () => {
  let store: SqliteStore;
  let cleanup: () => Promise<void>;
  let clock: ManualClock;
  let delivery: OutboxDelivery | undefined;
  beforeEach(() => {
    ({ store, cleanup } = freshStore());
    clock = new ManualClock(1_000);
    receiver.reset();
  });
  afterEach(async () => {
    await delivery?.finish();
    await cleanup();
  });

  const channels: NotificationChannel[] = [];
  beforeAll(() =>
    channels.push({ name: "hook", webhook: receiver.url("/hook"), secret: SECRET, timeout: 5_000 }),
  );
  const start = (s: Store = store) =>
    new OutboxDelivery({ store: s, channels, redactor: new Redactor(), clock, policy: DEFAULT_DELIVERY });

  it("is delivered under the subject's webhook-id; the row and the listener record the attempt", async () => {
    delivery = start();
    const outbox = channelOutbox(channels, (t) => t, delivery);
    const rows = outbox.compose(message, "alert:prod:k1:1000");
    expect(rows).toEqual([expect.objectContaining({ subject: "alert:prod:k1:1000", about: message.about })]);
    expect(rows[0]?.rollbackId).toBeUndefined();
    // Stable per subject, distinct from another decision's.
    expect(outbox.compose(message, "alert:prod:k1:1000")[0]?.id).toBe(rows[0]?.id);
    expect(outbox.compose(message, "alert:prod:k1:2000")[0]?.id).not.toBe(rows[0]?.id);

    const attempts: DeliveryAttempt[] = [];
    outbox.onAttempt((a) => attempts.push(a));
    await store.recordAlertDecision(suppressed("k1"), rows);
    outbox.queued();
    await until("the delivery", () => attempts.length === 1);
    expect(attempts[0]).toEqual({
      webhookId: rows[0]?.id,
      subject: "alert:prod:k1:1000",
      about: "auto-rollback-suppressed",
      channel: "hook",
      attempt: 1,
      ok: true,
      retrying: false,
    });
    expect(receiver.requests.map((q) => q.headers["webhook-id"])).toEqual([rows[0]?.id]);
    const body = JSON.parse(receiver.requests[0]?.body ?? "{}") as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(body.type).toBe("rollback.auto-rollback-suppressed");
    expect(body.data.reportHint).toBeUndefined();
    expect(await store.listOutbox()).toEqual([
      expect.objectContaining({ id: rows[0]?.id, attempts: 1, deliveredAt: 1_000 }),
    ]);
  });

  it("a message another process is sending waits for its claim to lapse, parked on the clock", async () => {
    const outbox = channelOutbox(channels, (t) => t, {
      queued: () => undefined,
    } as unknown as OutboxDelivery);
    const rows = outbox.compose(message, "alert:prod:k2:1000");
    await store.recordAlertDecision(suppressed("k2"), rows);
    // The other process: claimed until 11 000, then crashed.
    expect(await store.claimOutbox(1_000, 10_000, 10)).toHaveLength(1);
    let claims = 0;
    const counted = new Proxy(store, {
      get(target, prop) {
        if (prop === "claimOutbox") {
          claims++;
          return target.claimOutbox.bind(target);
        }
        // A delivery that spins is stopped here instead of starving the test's timers.
        if (prop === "listOutbox" && claims > 50) return () => Promise.reject(new Error("spinning"));
        const v: unknown = Reflect.get(target, prop);
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    delivery = start(counted);
    delivery.kick();
    await until(
      "the delivery parked until the claim lapses",
      () => clock.pendingSleepers === 1 || claims > 50,
    );
    expect(claims).toBe(1);
    expect(receiver.requests).toEqual([]);
    clock.set(11_000);
    await until("the delivery", () => receiver.requests.length === 1);
    expect(receiver.requests[0]?.headers["webhook-id"]).toBe(rows[0]?.id);
    await until(
      "the row delivered",
      async () => (await store.listOutbox({ undelivered: true })).length === 0,
    );
  });
});
