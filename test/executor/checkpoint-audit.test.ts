/**
 * The engine's side of the checkpoint audit: who is recorded when the caller names nobody (the
 * library: this process), the library's `by`, and secrets redacted before the event is stored.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { Backout } from "../../src/api/backout.js";
import { Sandbox } from "./helpers.js";

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
  sb.writeConfig({ components: { web: sb.commandComponent("web") } });
});
afterEach(async () => {
  await sb.cleanup();
});

it("the library records its caller's `by` via library, or this process when it names nobody", async () => {
  const engine = sb.engine();
  const backout = new Backout(engine);
  const cp = await backout.checkpoint({ name: "v1" });
  await backout.markGood("v1", "deploy-bot");
  await backout.unmarkGood(cp.id);
  const { checkpoint, events } = await backout.checkpointHistory("v1");
  expect(checkpoint.id).toBe(cp.id);
  const self = `${engine.holder.host}:${engine.holder.pid}`;
  expect(events.map((e) => [e.action, e.by, e.via])).toEqual([
    ["taken", self, "library"],
    ["marked-good", "deploy-bot", "library"],
    ["unmarked-good", self, "library"],
  ]);
});

it("a secret in who or in the details is redacted before the event is stored", async () => {
  const engine = sb.engine();
  engine.redactor.add("hunter2-secret-value");
  const cp = await engine.checkpoint({
    name: "pw-hunter2-secret-value",
    by: { name: "hunter2-secret-value", via: "cli" },
  });
  const events = (await engine.store.checkpointEvents?.(cp.id)) ?? [];
  expect(events).toMatchObject([{ action: "taken", by: "***", via: "cli", details: { name: "pw-***" } }]);
  expect(JSON.stringify(events)).not.toContain("hunter2");
});
