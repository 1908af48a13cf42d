/**
 * Notifications through the CLI, to a real receiver: a signed webhook (its Standard Webhooks
 * signature checked by an independent verifier) and a Slack incoming webhook. A rollback
 * announces its start and end; an escalation is announced; a channel that is down is
 * journalled as a failed notification and the rollback still succeeds; the signing secret
 * and the Slack URL's token never show in output, the journal, the store or the reports.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cli, tempDir, type CliResult } from "../e2e/cli.js";
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

/** The secret lives in the environment; the Slack URL (a credential itself) is written in the file. */
async function environment(prefix: string, base: string, failure?: "always-fail"): Promise<string> {
  const dir = tempDir(prefix);
  dirs.push(dir);
  await checkpointThenDeploy(dir, {
    components: ["api"],
    run: (args) => run(dir, args),
    yaml: `version: 1
environment: ${prefix}
policies:
  retry: { maxAttempts: 1 }
notifications:
  - webhook: ${base}${HOOK_PATH}
    secret: \${WEBHOOK_SECRET}
  - slack: ${base}${SLACK_PATH}
components:
${componentYaml(dir, "api", failure ? { failure } : {})}`,
  });
  return dir;
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
    const dir = await environment("notify-escalate", base(), "always-fail");
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

  it("a receiver that is down is journalled as failed and the rollback still succeeds", async () => {
    const dir = await environment("notify-down", `http://127.0.0.1:${await closedPort()}`);
    const t0 = Date.now();
    expectExit(await run(dir, ["run"]), 0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const { id, state } = await latestRollback(dir, ENV);
    expect(state).toBe("succeeded");
    const sent = eventsOf(await readJournal(dir, id), "notification");
    expect(sent.map((n) => [n.about, n.ok])).toEqual([
      ["started", false],
      ["started", false],
      ["succeeded", false],
      ["succeeded", false],
    ]);
    for (const n of sent)
      expect(n.error?.message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+\/\*\*\*/);
    expect(receiver.requests).toEqual([]);
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
    const down = await environment("notify-secrets-down", `http://127.0.0.1:${await closedPort()}`);
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
