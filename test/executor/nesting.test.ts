/**
 * Circuit breaker 4: a step cannot start another rollback. The step's apply runs the real
 * CLI (`backout run`) against the same environment; the child carries the nesting guard.
 * Needs the built CLI (`npm run build`).
 */
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACTIVE_ROLLBACK_ENV } from "../../src/core/nesting.js";
import { runRollback } from "../../src/core/rollbacks.js";
import { CLI, eventsOf, jsonLines, Sandbox, stepOf } from "./helpers.js";

interface NestedRun {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  active: string | null;
}

let sb: Sandbox;

beforeEach(() => {
  sb = new Sandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe("nested rollbacks", () => {
  it("refuses `backout run` started by a step: NESTED_ROLLBACK, exit 2, no second rollback", async () => {
    expect(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    const nestedLog = sb.path("nested.jsonl");
    const config = sb.path("backout.yaml");
    sb.writeConfig({
      policies: { retry: { maxAttempts: 2, initialInterval: "10ms", maximumInterval: "20ms" } },
      components: {
        db: sb.commandComponent("db"),
        hook: sb.commandComponent("hook", {
          dependsOn: ["db"],
          apply: sb.node("nested.mjs", CLI, config, nestedLog),
        }),
      },
    });
    const engine = sb.engine();
    expect(engine.env[ACTIVE_ROLLBACK_ENV]).toBeUndefined();
    await engine.checkpoint({ name: "before-v2", good: true });
    sb.deploy("v2", "db", "hook");

    const outcome = await runRollback(engine, {});
    const id = outcome.rollbackId;

    // Each attempt of the step ran the CLI, which refused at once.
    const runs = jsonLines<NestedRun>(nestedLog);
    expect(runs).toHaveLength(2);
    for (const r of runs) {
      expect(r.active).toBe(id);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("error[NESTED_ROLLBACK]");
      expect(r.stderr).toContain(`a step of rollback ${id} tried to change backout's state`);
    }

    // No second rollback was created, and the outer step failed.
    expect((await engine.store.listRollbacks()).map((r) => r.id)).toEqual([id]);
    expect(outcome.state).toBe("escalated");
    const journal = await engine.store.readJournal(id);
    expect(eventsOf(journal, "step-failed", stepOf("hook")).map((f) => f.error.code)).toEqual([
      "COMMAND_FAILED",
      "COMMAND_FAILED",
    ]);
    // The step after it (db) never started; the state file is untouched.
    expect(eventsOf(journal, "step-started", stepOf("db"))).toEqual([]);
    expect(sb.applications("db")).toEqual([]);
    expect(sb.state("db")).toBe("v2");
  });

  it("lets the same CLI run outside a step (the guard is what refused it)", () => {
    expect(fs.existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`).toBe(true);
    sb.writeConfig({ components: { db: sb.commandComponent("db") } });
    const checkpoint = sb.cli("checkpoint", "--name", "before-v2", "--good");
    expect(checkpoint.status, checkpoint.stderr).toBe(0);
    sb.deploy("v2", "db");
    const run = sb.cli("--json", "run", "--no-wait");
    expect(run.status, run.stderr).toBe(0);
    expect(sb.applications("db")).toHaveLength(1);
    expect(sb.state("db")).toBe("v1");
  });
});
