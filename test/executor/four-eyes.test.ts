/**
 * serve.fourEyes compares people, not channels: `carl@cli` (the CLI, OS user or --as carl) and
 * `carl@serve` (a serve token named carl) are one person, so requesting through one channel and
 * approving through the other is refused. An alert trigger's rollback has no person behind it:
 * any human approver differs. The engine's rule, on the approve and `resume --confirm` paths.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { personOf } from "../../src/core/actor.js";
import type { Engine } from "../../src/core/engine.js";
import { BackoutError } from "../../src/core/errors.js";
import { approveRollback, resumeRollback, runRollback } from "../../src/core/rollbacks.js";
import { eventsOf, Sandbox } from "./helpers.js";

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

async function setup(): Promise<Engine> {
  sb.writeConfig({
    serve: { fourEyes: true },
    components: { db: sb.commandComponent("db", { risk: { dataLoss: true, summary: "drops a column" } }) },
  });
  const engine = sb.engine();
  await engine.checkpoint({ name: "v1", good: true });
  sb.deploy("v2", "db");
  return engine;
}

/** A rollback requested by `requestedBy`, parked on the data-loss gate. */
async function parked(engine: Engine, requestedBy: string): Promise<{ id: string; hash: string }> {
  const r = await runRollback(engine, {}, { requestedBy });
  expect(r.state).toBe("awaiting-confirmation");
  return { id: r.rollbackId, hash: r.planHash };
}

async function refusal(p: Promise<unknown>): Promise<BackoutError> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(BackoutError);
  return e as BackoutError;
}

describe("four-eyes: one person, two channels", () => {
  it("the person is the identity without its channel, case folded", () => {
    expect(personOf("otto@cli")).toBe("otto");
    expect(personOf("otto@serve")).toBe("otto");
    expect(personOf("Otto@serve@cli")).toBe("otto");
    expect(personOf("otto@example.com@cli")).toBe("otto@example.com");
    expect(personOf("serve@resumeInterrupted")).toBe("serve@resumeinterrupted");
    expect(personOf("alert:db (DbDown)")).toBe("alert:db (dbdown)");
  });

  it("requested through the CLI as carl, approved through the API as carl: refused with FORBIDDEN; anna approves", async () => {
    const engine = await setup();
    const { id, hash } = await parked(engine, "carl@cli");
    for (const by of ["carl@serve", "Carl@serve", "carl@cli", "carl"]) {
      const e = await refusal(approveRollback(engine, id, hash, by));
      expect(e.code, by).toBe("FORBIDDEN");
      expect(e.message).toContain(`rollback ${id} was requested by carl@cli`);
      expect(e.message).toContain("four-eyes needs another approver");
    }
    const e = await refusal(approveRollback(engine, id, hash, "carl@serve"));
    expect(e.message).toContain("carl@serve is the same person (carl) on another channel");
    // resume --confirm is the other approval path: the same rule.
    const r = await refusal(resumeRollback(engine, id, { confirmHash: hash, confirmedBy: "carl@serve" }));
    expect(r.code).toBe("FORBIDDEN");
    expect(eventsOf(await engine.store.readJournal(id), "gate-approved")).toEqual([]);

    await approveRollback(engine, id, hash, "anna@serve");
    const done = await resumeRollback(engine, id, { requestedBy: "anna@serve" });
    expect(done.state).toBe("succeeded");
    expect(eventsOf(await engine.store.readJournal(id), "gate-approved")).toMatchObject([
      { by: "anna@serve" },
    ]);
    expect(sb.state("db")).toBe("v1");
  });

  it("a rollback an alert triggered is approved by any human, on either channel", async () => {
    const engine = await setup();
    for (const [i, approver] of ["anna@serve", "carl@cli"].entries()) {
      sb.deploy(`v${i + 2}`, "db");
      const { id, hash } = await parked(engine, "alert:db-broken (DbDown)");
      await approveRollback(engine, id, hash, approver);
      expect((await resumeRollback(engine, id, { requestedBy: approver })).state).toBe("succeeded");
    }
  });
});
