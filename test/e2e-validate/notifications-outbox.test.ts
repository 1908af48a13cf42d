/**
 * The notification outbox through the CLI, to a real receiver that hangs: a channel that is hung
 * costs the rollback nothing (the outbox delivers in the background), what is left is journalled
 * and delivered by the next command that changes something, with the same webhook-id, also after
 * a crash, while read-only commands (status) never wait on a receiver; concurrency is bounded.
 * (Split from notifications.test.ts so that two workers share the two.)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCli } from "../e2e/cli.js";
import { until } from "../support/until.js";
import { eventsOf, expectExit, latestRollback, readJournal } from "./helpers.js";
import {
  allDue,
  at,
  base,
  ENV,
  environment,
  expectRedelivered,
  HOOK_PATH,
  lastPerMessage,
  outputs,
  receiver,
  run,
  SLACK_PATH,
  useReceiver,
  type WebhookBody,
} from "./notify-env.js";

useReceiver();

describe("notifications: the outbox", () => {
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
    // The dead process's claims expire within seconds: watched in the store, not by starting a
    // command after command (each a process on a loaded machine) until one finds them due.
    await until("the dead run's messages to be due again", () => allDue(dir), { timeoutMs: 60_000 });
    let n = 0;
    // Each checkpoint delivers what is due.
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
});
