/**
 * Circuit breakers 3 and 5 across SIGKILLs of the real CLI at an exact journal write
 * (BACKOUT_FAILPOINT=journal-event:<type>:<before|after>): the attempt budget holds, and the
 * escalation hook and the emergency procedure run at least once, with one idempotency key.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hookCalls as calls, writeHook } from "../fault-harness/hooks.js";
import {
  readApplicationList,
  recordingComponent,
  writeRecordingStep,
} from "../fault-harness/recording-step.js";
import { cli, startCli, tempDir } from "./cli.js";

function lines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/** One failing command component; the rollback escalates after maxAttempts. */
async function failingEnvironment(): Promise<{ dir: string; hookLog: string; applyLog: string }> {
  const dir = tempDir("hooks");
  const hook = writeHook(dir);
  const hookLog = join(dir, "escalations.jsonl");
  const applyLog = join(dir, "applies.log");
  writeFileSync(join(dir, "version"), "v1");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: hooks
policies:
  retry: { maxAttempts: 3, initialInterval: 10ms, maximumInterval: 10ms }
  escalation: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(hook)}, ${JSON.stringify(hookLog)}] }
components:
  svc:
    kind: command
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "version"))}]
    apply: ["/bin/sh", "-c", 'echo applied >> "$0"; exit 1', ${JSON.stringify(applyLog)}]
`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  writeFileSync(join(dir, "version"), "v2");
  return { dir, hookLog, applyLog };
}

async function interruptedId(dir: string): Promise<string> {
  const status = await cli(["status", "--json"], { cwd: dir });
  const s = JSON.parse(status.stdout) as { interrupted: { id: string }[] };
  expect(s.interrupted).toHaveLength(1);
  return s.interrupted[0]?.id ?? "";
}

describe("the attempt budget and hooks across a SIGKILL", () => {
  it("killed just before the escalated write: resume makes no 4th attempt, and escalates", async () => {
    const { dir, hookLog, applyLog } = await failingEnvironment();
    const killed = await cli(["run"], {
      cwd: dir,
      env: { BACKOUT_FAILPOINT: "journal-event:escalated:before" },
    });
    expect(killed.exitCode).toBe(-1);
    expect(lines(applyLog)).toHaveLength(3);
    const resumed = await cli(["resume", await interruptedId(dir)], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    expect(lines(applyLog)).toHaveLength(3);
    expect(calls(hookLog)).toHaveLength(1);
  });

  it("killed mid-attempt: the cut-off attempt counts, so resume stops at maxAttempts applications in all", async () => {
    // Found by the fault harness (seed 1010): the budget counted only recorded failures, so an
    // attempt cut off by a crash was free and resume granted maxAttempts more.
    const dir = tempDir("cut-off");
    writeRecordingStep(dir);
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: cut-off
policies:
  retry: { maxAttempts: 2, initialInterval: 10ms, maximumInterval: 10ms }
components:
${recordingComponent(dir, "svc", { sleepMs: 300, failTimes: 99 })}`,
    );
    writeFileSync(join(dir, "state", "svc"), "v1");
    expect((await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "svc"), "v2");
    const run = startCli(["run"], { cwd: dir });
    for (let i = 0; readApplicationList(dir).length === 0; i++) {
      if (i > 2000) throw new Error("the step never started");
      await new Promise((r) => setTimeout(r, 15));
    }
    run.kill("SIGKILL");
    await run;
    const resumed = await cli(["resume", await interruptedId(dir)], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    expect(readApplicationList(dir)).toHaveLength(2);
    const history = JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as {
      state: string;
    }[];
    expect(history[0]?.state).toBe("escalated");
  });

  it("killed just after the escalated write: resume runs the escalation hook, with the key", async () => {
    const { dir, hookLog } = await failingEnvironment();
    const killed = await cli(["run"], {
      cwd: dir,
      env: { BACKOUT_FAILPOINT: "journal-event:escalated:after" },
    });
    expect(killed.exitCode).toBe(-1);
    expect(calls(hookLog)).toHaveLength(0);
    const id = await interruptedId(dir);
    const resumed = await cli(["resume", id], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    const made = calls(hookLog);
    expect(made).toHaveLength(1);
    expect(made[0]?.env).toMatch(new RegExp(`^${id}:\\d+$`));
    expect(made[0]?.stdin.idempotencyKey).toBe(made[0]?.env);
  });

  it("killed after the hook ran but before its outcome was journalled: it runs again with the same key", async () => {
    const { dir, hookLog } = await failingEnvironment();
    const killed = await cli(["run"], {
      cwd: dir,
      env: { BACKOUT_FAILPOINT: "journal-event:escalation-hook:before" },
    });
    expect(killed.exitCode).toBe(-1);
    expect(calls(hookLog)).toHaveLength(1);
    const resumed = await cli(["resume", await interruptedId(dir)], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(1);
    const made = calls(hookLog);
    expect(made).toHaveLength(2);
    expect(new Set(made.map((c) => c.env)).size).toBe(1);
    const show = await cli(["history", "--json"], { cwd: dir });
    expect((JSON.parse(show.stdout) as { state: string }[])[0]?.state).toBe("escalated");
  });

  it("killed just after emergency-started: resume runs the emergency procedure, once more at most", async () => {
    const dir = tempDir("emergency");
    const hook = writeHook(dir);
    const emergencyLog = join(dir, "emergency.jsonl");
    writeFileSync(join(dir, "version"), "v1");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: emergency
policies:
  timeLimit: 1s
  emergency:
    - name: page
      command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(hook)}, ${JSON.stringify(emergencyLog)}]
components:
  svc:
    kind: command
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "version"))}]
    apply: ["/bin/sleep", "30"]
`,
    );
    expect((await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "version"), "v2");
    const killed = await cli(["run"], {
      cwd: dir,
      env: { BACKOUT_FAILPOINT: "journal-event:emergency-started:after" },
    });
    expect(killed.exitCode).toBe(-1);
    expect(calls(emergencyLog)).toHaveLength(0);
    const id = await interruptedId(dir);
    const resumed = await cli(["resume", id], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(5);
    const made = calls(emergencyLog);
    expect(made).toHaveLength(1);
    expect(made[0]?.env).toMatch(new RegExp(`^${id}:\\d+:0$`));
  });
});
