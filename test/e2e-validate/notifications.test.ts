/**
 * Notifications through the CLI, to a real receiver: a signed webhook (its Standard Webhooks
 * signature checked by an independent verifier) and a Slack incoming webhook. A rollback
 * announces its start and end; an escalation is announced; a channel that is down or hung
 * costs the rollback nothing (the outbox delivers in the background), what is left is
 * journalled and delivered by the next command that changes something, with the same
 * webhook-id, while read-only commands (status) never wait on a receiver; the signing secret
 * and the Slack URL's token never show in output, the journal, the store or the reports.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cli, startCli, tempDir, type CliResult } from "../e2e/cli.js";
import { until } from "../support/until.js";
import { closedPort, Receiver, type ReceivedRequest } from "../notify/receiver.js";
import { verifyStandardWebhook } from "../notify/verify-standard-webhook.js";
import { checkpointThenDeploy, eventsOf, expectExit, latestRollback, readJournal } from "./helpers.js";
import { componentYaml } from "./steps.js";

const SECRET = `whsec_${Buffer.from("e2e-validate-signing-key-0123456789ab").toString("base64")}`;
const SLACK_TOKEN = "XyZe2eSecretSlackToken77";
const SLACK_PATH = `/services/T0E2E/B0E2E/${SLACK_TOKEN}`;
const HOOK_PATH = "/hooks/backout-e2e-private-9c1d";
const ENV = { WEBHOOK_SECRET: SECRET };

const receiver = new Receiver();
const dirs: string[] = [];
let outputs: string[] = [];

beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => receiver.reset());

async function run(dir: string, args: string[]): Promise<CliResult> {
  const r = await cli(args, { cwd: dir, env: ENV });
  outputs.push(r.stdout, r.stderr);
  return r;
}

interface EnvOptions {
  failure?: "always-fail";
  /** policies.notifications.flush */
  flush?: string;
  /** policies.notifications.concurrency */
  concurrency?: number;
  /** Each channel's timeout. */
  timeout?: string;
  timeLimit?: string;
  /** false: no notifications section at all. */
  channels?: boolean;
}

/** The secret lives in the environment; the Slack URL (a credential itself) is written in the file. */
async function environment(prefix: string, base: string, opts: EnvOptions = {}): Promise<string> {
  const dir = tempDir(prefix);
  dirs.push(dir);
  const timeout = opts.timeout ? `\n    timeout: ${opts.timeout}` : "";
  const channels = `notifications:
  - webhook: ${base}${HOOK_PATH}
    secret: \${WEBHOOK_SECRET}${timeout}
  - slack: ${base}${SLACK_PATH}${timeout}
`;
  await checkpointThenDeploy(dir, {
    components: ["api"],
    run: (args) => run(dir, args),
    yaml: `version: 1
environment: ${prefix}
policies:
  retry: { maxAttempts: 1 }${opts.timeLimit ? `\n  timeLimit: ${opts.timeLimit}` : ""}${notificationPolicy(opts)}
${opts.channels === false ? "" : channels}components:
${componentYaml(dir, "api", opts.failure ? { failure: opts.failure } : {})}`,
  });
  return dir;
}

function notificationPolicy(opts: EnvOptions): string {
  const fields = [
    ...(opts.flush ? [`flush: ${opts.flush}`] : []),
    ...(opts.concurrency ? [`concurrency: ${opts.concurrency}`] : []),
  ];
  return fields.length === 0 ? "" : `\n  notifications: { ${fields.join(", ")} }`;
}

type NotificationEvent = ReturnType<typeof eventsOf<"notification">>[number];

/** The last journalled word on each message (by webhook-id), in the order the messages first appear. */
function lastPerMessage(events: NotificationEvent[]): Map<string, NotificationEvent> {
  const out = new Map<string, NotificationEvent>();
  for (const e of events) out.set(e.webhookId ?? `${e.channel}/${e.about}`, e);
  return out;
}

const base = () => receiver.url("").replace(/\/$/, "");
const at = (path: string) => receiver.requests.filter((r) => r.path === path);

interface WebhookBody {
  type: string;
  data: { rollbackId: string; about: string; state: string };
}

function verified(req: ReceivedRequest): WebhookBody {
  expect(verifyStandardWebhook(SECRET, req.headers, req.body)).toEqual({ ok: true });
  return JSON.parse(req.body) as WebhookBody;
}

/**
 * A later process delivered the leftovers: both webhook messages, signed, under the webhook-ids
 * the first process had tried; both Slack messages; every message's last journalled word is ok.
 */
async function expectRedelivered(dir: string, id: string, firstIds: Set<string>): Promise<void> {
  const hooks = at(HOOK_PATH);
  expect(
    hooks
      .map(verified)
      .map((b) => b.data.about)
      .sort(),
  ).toEqual(["started", "succeeded"]);
  const ids = hooks.map((r) => String(r.headers["webhook-id"]));
  for (const first of firstIds) expect(ids).toContain(first);
  expect(at(SLACK_PATH)).toHaveLength(2);
  const last = lastPerMessage(eventsOf(await readJournal(dir, id), "notification"));
  expect([...last.values()].map((n) => n.ok)).toEqual([true, true, true, true]);
}

describe("notifications", () => {
  it("a rollback sends started and succeeded to both channels; signatures verify", async () => {
    const dir = await environment("notify-ok", base());
    expectExit(await run(dir, ["run"]), 0);
    const { id } = await latestRollback(dir, ENV);

    const hooks = at(HOOK_PATH).map(verified);
    expect(hooks.map((b) => [b.type, b.data.about, b.data.rollbackId])).toEqual([
      ["rollback.started", "started", id],
      ["rollback.succeeded", "succeeded", id],
    ]);
    const slack = at(SLACK_PATH).map((r) => JSON.parse(r.body) as { text: string });
    expect(slack).toHaveLength(2);
    for (const s of slack) expect(s.text).toContain(id);
    expect(receiver.requests).toHaveLength(4);

    const sent = eventsOf(await readJournal(dir, id), "notification");
    expect(sent.map((n) => [n.about, n.ok])).toEqual([
      ["started", true],
      ["started", true],
      ["succeeded", true],
      ["succeeded", true],
    ]);
    expect(new Set(sent.map((n) => n.channel))).toEqual(
      new Set([`webhook ${base()}/***`, `slack ${base()}/***`]),
    );
  });

  it("an escalating rollback sends escalated (and never succeeded)", async () => {
    const dir = await environment("notify-escalate", base(), { failure: "always-fail" });
    expectExit(await run(dir, ["run"]), 1);
    const { id, state } = await latestRollback(dir, ENV);
    expect(state).toBe("escalated");
    const hooks = at(HOOK_PATH).map(verified);
    expect(hooks.map((b) => [b.data.about, b.data.state, b.data.rollbackId])).toEqual([
      ["started", "running", id],
      ["escalated", "escalated", id],
    ]);
    const slack = at(SLACK_PATH).map((r) => r.body);
    expect(slack).toHaveLength(2);
    expect(slack[1]).toContain(id);
    const sent = eventsOf(await readJournal(dir, id), "notification");
    expect(sent.filter((n) => n.about === "escalated").map((n) => n.ok)).toEqual([true, true]);
  });

  it("a receiver that is down: the rollback succeeds, every attempt and what is left undelivered is journalled, status and the reports show it", async () => {
    const dir = await environment("notify-down", `http://127.0.0.1:${await closedPort()}`, { flush: "1s" });
    expectExit(await run(dir, ["run"]), 0);
    const { id, state } = await latestRollback(dir, ENV);
    expect(state).toBe("succeeded");
    const sent = eventsOf(await readJournal(dir, id), "notification");
    expect(sent.some((n) => n.ok)).toBe(false);
    for (const n of sent.filter(
      (e) => e.attempt !== undefined && !e.error?.message.startsWith("not delivered"),
    ))
      expect(n.error?.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+\/\*\*\*/);
    // When `run` exited, each of the four messages was journalled as still in the outbox (later
    // commands, `history` here, try again and journal their own attempts).
    const left = sent.filter((n) => n.error?.message.startsWith("not delivered when backout exited"));
    expect(left.map((n) => [n.about, n.ok, n.pending]).sort()).toEqual([
      ["started", false, true],
      ["started", false, true],
      ["succeeded", false, true],
      ["succeeded", false, true],
    ]);
    expect(new Set(left.map((n) => n.webhookId)).size).toBe(4);
    expect(receiver.requests).toEqual([]);
    const status = await run(dir, ["status"]);
    expect(status.stdout).toContain("notifications not delivered: 4");
    const md = (await run(dir, ["report", id])).stdout;
    expect(md).toContain("**4 notification(s) not delivered**");
    const html = (await run(dir, ["report", id, "--format", "html"])).stdout;
    expect(html).toContain("4 notification(s) not delivered: ");
  });

  it("a hung receiver (accepts, never answers) costs the rollback nothing: not timed out, the step starts at once", async () => {
    receiver.hang = true;
    // Two channels that never answer, each allowed 30 s, against an 8 s time limit: before the
    // outbox, each notification was awaited in front of the steps and the rollback timed out.
    const dir = await environment("notify-hung", base(), { flush: "1s", timeout: "30s", timeLimit: "8s" });
    expectExit(await run(dir, ["run"]), 0);
    const { id, state } = await latestRollback(dir, ENV);
    expect(state).toBe("succeeded");
    const journal = await readJournal(dir, id);
    const when = (type: string) => journal.find((e) => e.event.type === type)?.at ?? NaN;

    // The same rollback with no channel at all, for comparison.
    const plain = await environment("notify-none", base(), { flush: "1s", timeLimit: "8s", channels: false });
    expectExit(await run(plain, ["run"]), 0);
    const plainJournal = await readJournal(plain, (await latestRollback(plain, ENV)).id);
    const plainAt = (type: string) => plainJournal.find((e) => e.event.type === type)?.at ?? NaN;

    const startGap = when("step-started") - when("started");
    const plainStartGap = plainAt("step-started") - plainAt("started");
    const total = when("finished") - when("started");
    const plainTotal = plainAt("finished") - plainAt("started");
    // Both rollbacks do the same work; the channels add no wait in front of a step (a 30 s
    // attempt would show as 30 s here), whatever the speed of this machine.
    expect(startGap).toBeLessThan(plainStartGap + 2_000);
    expect(total).toBeLessThan(plainTotal + 2_000);
    expect(eventsOf(journal, "deadline-passed")).toEqual([]);

    // Both channels were really tried (the hung receiver got the requests), and nothing was delivered.
    expect(at(HOOK_PATH).length + at(SLACK_PATH).length).toBeGreaterThanOrEqual(2);
    const last = lastPerMessage(eventsOf(journal, "notification"));
    expect([...last.values()].every((n) => !n.ok && n.pending === true)).toBe(true);
  });

  it("what is left is delivered by the next command that changes something, with the same webhook-id; a read-only one leaves it", async () => {
    receiver.hang = true;
    const dir = await environment("notify-later", base(), { flush: "1s", timeout: "30s" });
    expectExit(await run(dir, ["run"]), 0);
    const { id } = await latestRollback(dir, ENV);
    const firstIds = new Set(at(HOOK_PATH).map((r) => String(r.headers["webhook-id"])));
    expect(firstIds.size).toBeGreaterThanOrEqual(1);

    receiver.reset(); // now it answers 200
    // Read-only commands leave the outbox alone (they never wait on a receiver).
    for (const args of [["status"], ["history"], ["show", id], ["report", id], ["plan"], ["checkpoints"]])
      await run(dir, args);
    expect(receiver.requests).toEqual([]);

    const later = await run(dir, ["checkpoint", "--name", "later"]); // changes something
    expectExit(later, 0);
    await expectRedelivered(dir, id, firstIds);
    const again = await run(dir, ["status", "--json"]);
    expect(
      (JSON.parse(again.stdout) as { undeliveredNotifications: unknown[] }).undeliveredNotifications,
    ).toEqual([]);
  });

  it("a crash (SIGKILL) loses nothing: the next command delivers what was queued, with the same webhook-id", async () => {
    receiver.hang = true;
    // A 1 s attempt keeps the dead process's claim on a message short (attempt + 5 s); a 30 s
    // flush keeps the run alive, retrying, until it is killed.
    const dir = await environment("notify-crash", base(), { flush: "30s", timeout: "1s" });
    const proc = startCli(["run"], { cwd: dir, env: ENV });
    const abouts = () => at(HOOK_PATH).map((r) => (JSON.parse(r.body) as WebhookBody).data.about);
    await until("the hung receiver to get the succeeded message", () => abouts().includes("succeeded"));
    const firstIds = new Set(at(HOOK_PATH).map((r) => String(r.headers["webhook-id"])));
    proc.kill("SIGKILL");
    await proc;
    const { id, state } = await latestRollback(dir, ENV);
    expect(state).toBe("succeeded");

    receiver.reset(); // now it answers 200
    let n = 0;
    // Each checkpoint delivers what is due; the dead process's claims expire within seconds.
    await until(
      "a later command to deliver both webhook messages",
      async () => {
        expectExit(await run(dir, ["checkpoint", "--name", `after-crash-${n++}`]), 0);
        return at(HOOK_PATH).length >= 2 && at(SLACK_PATH).length >= 2;
      },
      { timeoutMs: 60_000, everyMs: 200 },
    );
    await expectRedelivered(dir, id, firstIds);
  });

  it("policies.notifications.concurrency bounds the requests open at once", async () => {
    receiver.hang = true;
    // Two channels, two messages each, every attempt hangs until its 1 s timeout: with
    // concurrency 1 the receiver never has two requests open at once.
    const dir = await environment("notify-concurrency", base(), {
      flush: "3s",
      timeout: "1s",
      concurrency: 1,
    });
    expectExit(await run(dir, ["run"]), 0);
    expect(receiver.requests.length).toBeGreaterThanOrEqual(3);
    expect(receiver.maxOpen).toBe(1);

    // The same with the default (4): both channels' attempts are open together.
    receiver.reset();
    receiver.hang = true;
    const wide = await environment("notify-concurrency-4", base(), { flush: "3s", timeout: "1s" });
    expectExit(await run(wide, ["run"]), 0);
    expect(receiver.maxOpen).toBeGreaterThanOrEqual(2);
  });

  it("run exits after its bounded flush, and status returns promptly, while a hung receiver has messages in the outbox", async () => {
    receiver.hang = true;
    const dir = await environment("notify-status-hung", base(), { flush: "1s", timeout: "30s" });
    // The flush bounds how long run stays after its result: 1 s here, not the 30 s attempts.
    const proc = startCli(["run"], { cwd: dir, env: ENV });
    let ran = false;
    void proc.finally(() => (ran = true));
    await until("run to exit after its 1 s flush", () => ran, { timeoutMs: 15_000 });
    expect((await proc).exitCode).toBe(0);
    expect(at(HOOK_PATH).length).toBeGreaterThanOrEqual(1); // the receiver took the requests and hung
    // A command that delivered the leftovers would now wait for them: up to the 30 s attempt,
    // bounded by a 25 s flush. status must not wait at all.
    const file = join(dir, "backout.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace("notifications: { flush: 1s }", "notifications: { flush: 25s }"),
    );
    const before = receiver.requests.length;

    const status = startCli(["status"], { cwd: dir, env: ENV });
    let exited = false;
    void status.finally(() => (exited = true));
    // Well under the flush and the channel timeout; a status that waited on the receiver fails here.
    await until("status to exit while the receiver hangs", () => exited, { timeoutMs: 15_000 });
    const r = await status;
    outputs.push(String(r.stdout), String(r.stderr));
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toContain("notifications not delivered: 4");
    expect(receiver.requests.length).toBe(before); // it did not even try
  });

  it("the signing secret and the Slack token appear in no output, journal, store or report", async () => {
    outputs = [];
    const dir = await environment("notify-secrets", base());
    await run(dir, ["plan"]);
    await run(dir, ["run", "--json"]);
    const { id } = await latestRollback(dir, ENV);
    await run(dir, ["show", id]);
    await run(dir, ["show", id, "--json"]);
    await run(dir, ["status"]);
    await run(dir, ["history"]);
    for (const format of ["md", "json", "html"]) await run(dir, ["report", id, "--format", format]);
    expectExit(await run(dir, ["report", id, "--format", "html", "-o", join(dir, "r.html")]), 0);
    // A failing channel's error message is the likeliest place for a URL to leak.
    const down = await environment("notify-secrets-down", `http://127.0.0.1:${await closedPort()}`, {
      flush: "1s",
    });
    await run(down, ["run"]);
    const downId = (await latestRollback(down, ENV)).id;
    await run(down, ["show", downId, "--json"]);
    await run(down, ["report", downId, "--format", "md"]);
    await run(down, ["report", downId, "--format", "html"]);

    expect(receiver.requests.length).toBeGreaterThanOrEqual(4); // the secrets were really used
    const everything = [
      outputs.join("\n"),
      readFileSync(join(dir, "r.html"), "utf8"),
      storeBytes(dir),
      storeBytes(down),
    ].join("\n");
    expect(everything).toContain("slack http://127.0.0.1:"); // the channels are named...
    for (const secret of [SECRET, SECRET.slice("whsec_".length), SLACK_TOKEN, SLACK_PATH, HOOK_PATH]) {
      expect(everything).not.toContain(secret); // ...without their credentials
    }
  });
});

/** Every byte of the store, WAL included. */
function storeBytes(dir: string): string {
  let text = "";
  const root = join(dir, ".backout");
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += readFileSync(join(entry.parentPath, entry.name)).toString("latin1");
  }
  return text;
}
