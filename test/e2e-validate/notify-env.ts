/**
 * What the notification end-to-end files share: one real receiver per file, the signing secret
 * and Slack token they must never leak, a test environment whose channels point at a base URL,
 * and the checks on what was received and journalled. Two files so that two workers share them.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { cli, tempDir, type CliResult } from "../e2e/cli.js";
import { Receiver, type ReceivedRequest } from "../notify/receiver.js";
import { verifyStandardWebhook } from "../notify/verify-standard-webhook.js";
import { checkpointThenDeploy, eventsOf, readJournal } from "./helpers.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { componentYaml } from "./steps.js";

export const SECRET = `whsec_${Buffer.from("e2e-validate-signing-key-0123456789ab").toString("base64")}`;
export const SLACK_TOKEN = "XyZe2eSecretSlackToken77";
export const SLACK_PATH = `/services/T0E2E/B0E2E/${SLACK_TOKEN}`;
export const HOOK_PATH = "/hooks/backout-e2e-private-9c1d";
export const ENV = { WEBHOOK_SECRET: SECRET };

export const receiver = new Receiver();
const dirs: string[] = [];
/** Every stdout and stderr `run` saw, for the secrets test to search. */
export const outputs: string[] = [];

/** The file's receiver, started once; each test begins with it answering 200 and no requests. */
export function useReceiver(): void {
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  beforeEach(() => receiver.reset());
}

export async function run(dir: string, args: string[]): Promise<CliResult> {
  const r = await cli(args, { cwd: dir, env: ENV });
  outputs.push(r.stdout, r.stderr);
  return r;
}

export interface EnvOptions {
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
export async function environment(prefix: string, base: string, opts: EnvOptions = {}): Promise<string> {
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

export type NotificationEvent = ReturnType<typeof eventsOf<"notification">>[number];

/** The last journalled word on each message (by webhook-id), in the order the messages first appear. */
export function lastPerMessage(events: NotificationEvent[]): Map<string, NotificationEvent> {
  const out = new Map<string, NotificationEvent>();
  for (const e of events) out.set(e.webhookId ?? `${e.channel}/${e.about}`, e);
  return out;
}

export const base = () => receiver.url("").replace(/\/$/, "");
export const at = (path: string) => receiver.requests.filter((r) => r.path === path);

export interface WebhookBody {
  type: string;
  data: { rollbackId: string; about: string; state: string };
}

export function verified(req: ReceivedRequest): WebhookBody {
  expect(verifyStandardWebhook(SECRET, req.headers, req.body)).toEqual({ ok: true });
  return JSON.parse(req.body) as WebhookBody;
}

/**
 * A later process delivered the leftovers: both webhook messages, signed, under the webhook-ids
 * the first process had tried; both Slack messages; every message's last journalled word is ok.
 */
export async function expectRedelivered(dir: string, id: string, firstIds: Set<string>): Promise<void> {
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

/** Every message left in the outbox is due: its backoff is over and no process's claim holds it. */
export async function allDue(dir: string): Promise<boolean> {
  const store = openSqliteStore(join(dir, ".backout"));
  try {
    const now = Date.now();
    const pending = await store.listOutbox({ pending: true });
    return pending.every((r) => Math.max(r.nextAttemptAt, r.claimedUntil ?? 0) <= now);
  } finally {
    await store.close();
  }
}
