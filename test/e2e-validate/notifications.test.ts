/**
 * Notifications through the CLI, to a real receiver: a signed webhook (its Standard Webhooks
 * signature checked by an independent verifier) and a Slack incoming webhook. A rollback
 * announces its start and end; an escalation is announced; a receiver that is down costs the
 * rollback nothing and what is left is journalled and shown; the signing secret and the Slack
 * URL's token never show in output, the journal, the store or the reports. What the outbox does
 * with a hung receiver, a crash and later commands is in notifications-outbox.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closedPort } from "../notify/receiver.js";
import { eventsOf, expectExit, latestRollback, readJournal } from "./helpers.js";
import {
  at,
  base,
  ENV,
  environment,
  HOOK_PATH,
  outputs,
  receiver,
  run,
  SECRET,
  SLACK_PATH,
  SLACK_TOKEN,
  useReceiver,
  verified,
} from "./notify-env.js";

useReceiver();

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

  it("the signing secret and the Slack token appear in no output, journal, store or report", async () => {
    outputs.length = 0;
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
