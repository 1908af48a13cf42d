/**
 * Breakers under real process faults, with the built CLI: a step's grandchild at the time
 * limit, SIGKILL of the holder mid-step, a nested approve without the environment variable,
 * a SIGSTOPped holder past its lease, and Ctrl-C during a step.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  descendantPids,
  isAlive,
  readApplications,
  recordingComponent,
  writeRecordingStep,
} from "../fault-harness/recording-step.js";
import { CLI, cli, startCli, tempDir } from "./cli.js";
import { until } from "../support/until.js";

/** Components at v1 (checkpointed good), then "deployed" to v2. */
async function environment(
  prefix: string,
  policies: string,
  components: (dir: string) => string,
): Promise<string> {
  const dir = tempDir(prefix);
  writeRecordingStep(dir);
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: ${prefix}
policies:
${policies}
components:
${components(dir)}`,
  );
  const names = [...readFileSync(join(dir, "backout.yaml"), "utf8").matchAll(/^ {2}(\w+):\n {4}kind/gm)].map(
    (m) => m[1] ?? "",
  );
  for (const n of names) writeFileSync(join(dir, "state", n), "v1");
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  for (const n of names) writeFileSync(join(dir, "state", n), "v2");
  return dir;
}

const started = (dir: string, name: string) => () => (readApplications(dir).starts.get(name) ?? 0) > 0;

describe("process faults (real processes)", () => {
  it("a time limit ends the step's whole tree: no wait on a grandchild's pipe, nothing left running", async () => {
    const dir = await environment("tree", "  timeLimit: 2s", (d) =>
      recordingComponent(d, "svc", { sleepMs: 60_000, childSleep: 60 }),
    );
    const t0 = Date.now();
    const r = await cli(["run"], { cwd: dir });
    const elapsed = Date.now() - t0;
    expect(r.exitCode, r.stderr).toBe(5);
    // limit 2 s + TERM→KILL grace 2 s + process start-up on a loaded machine; well under the
    // grandchild's 60 s, which must never count.
    expect(elapsed).toBeLessThan(40_000);
    const pids = descendantPids(dir);
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("kill -9 of run mid-step, then an immediate resume: the step is applied once, never overlapping", async () => {
    const dir = await environment("orphan", "  lock: { lease: 2s }", (d) =>
      recordingComponent(d, "svc", { sleepMs: 2500 }),
    );
    const run = startCli(["run"], { cwd: dir });
    await until("the step to start", started(dir, "svc"));
    run.kill("SIGKILL");
    await run;
    const status = JSON.parse((await cli(["status", "--json"], { cwd: dir })).stdout) as {
      interrupted: { id: string }[];
    };
    const resumed = await cli(["resume", status.interrupted[0]?.id ?? ""], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    // Let an orphan, had one survived, reach its effect.
    await until("no step process left", () => {
      const text = readFileSync(join(dir, "applications.log"), "utf8");
      return [...text.matchAll(/^start svc (\d+)/gm)].every((m) => !isAlive(Number(m[1])));
    });
    const apps = readApplications(dir);
    expect(apps.overlaps).toEqual([]);
    expect(apps.effects.get("svc")).toEqual(["v1"]);
  });

  it("a step's `backout approve` without BACKOUT_ACTIVE_ROLLBACK is refused before it writes", async () => {
    // Environment "other" (same store directory) has a rollback waiting for confirmation.
    const dir = tempDir("nested");
    writeRecordingStep(dir);
    writeFileSync(join(dir, "state", "db"), "v1");
    writeFileSync(
      join(dir, "other.yaml"),
      `version: 1
environment: other
store: { path: shared }
components:
  db:
    kind: command
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", "db"))}]
    apply: ["/bin/true"]
    risk: { dataLoss: true, summary: drops a table }
`,
    );
    expect((await cli(["-c", "other.yaml", "checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "db"), "v2");
    const waiting = await cli(["-c", "other.yaml", "run", "--json"], { cwd: dir });
    expect(waiting.exitCode, waiting.stderr).toBe(3);
    const result = JSON.parse(waiting.stdout.trim().split("\n").at(-1) ?? "{}") as {
      result: { rollbackId: string; planHash: string };
    };
    const { rollbackId, planHash } = result.result;

    // Environment "outer": its step runs the approve with the guard variable removed.
    const outcome = join(dir, "nested-exit");
    writeFileSync(join(dir, "state", "web"), "v1");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1
environment: outer
store: { path: shared }
components:
  web:
    kind: command
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", "web"))}]
    apply: ["/bin/sh", "-c", 'env -u BACKOUT_ACTIVE_ROLLBACK "$0" "$1" -c other.yaml approve "$2" --plan-hash "$3" --no-resume 2>"$4.err"; echo $? > "$4"; echo v1 > "$5"', ${JSON.stringify(process.execPath)}, ${JSON.stringify(CLI)}, ${JSON.stringify(rollbackId)}, ${JSON.stringify(planHash)}, ${JSON.stringify(outcome)}, ${JSON.stringify(join(dir, "state", "web"))}]
`,
    );
    expect((await cli(["checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "web"), "v2");
    const outer = await cli(["run"], { cwd: dir });
    expect(outer.exitCode, outer.stderr).toBe(0);
    expect(readFileSync(outcome, "utf8").trim()).toBe("2");
    expect(readFileSync(`${outcome}.err`, "utf8")).toContain("NESTED_ROLLBACK");
    const show = await cli(["-c", "other.yaml", "show", rollbackId, "--json"], { cwd: dir });
    expect(show.stdout).not.toContain("gate-approved");
    const history = JSON.parse(
      (await cli(["-c", "other.yaml", "history", "--json"], { cwd: dir })).stdout,
    ) as {
      id: string;
      state: string;
    }[];
    expect(history.find((h) => h.id === rollbackId)?.state).toBe("awaiting-confirmation");
  });

  it("a SIGSTOPped holder past its lease: queued runs keep waiting, say so, and all end well", async () => {
    const dir = await environment("stall", "  lock: { lease: 1s }", (d) =>
      recordingComponent(d, "svc", { sleepMs: 8000 }),
    );
    const holder = startCli(["run"], { cwd: dir });
    await until("the holder's step to start", started(dir, "svc"));
    const waiters = [startCli(["run"], { cwd: dir }), startCli(["run"], { cwd: dir })];
    const stderr = waiters.map(() => "");
    waiters.forEach((w, i) => w.stderr?.on("data", (b: Buffer) => (stderr[i] += b.toString())));
    await until("both to queue", () => stderr.every((s) => s.includes("waiting:")));
    holder.kill("SIGSTOP");
    try {
      await until(
        "the waiters to see the stall",
        () => stderr.every((s) => s.includes("stalled, not gone")),
        20_000,
      );
    } finally {
      holder.kill("SIGCONT");
    }
    const results = await Promise.all([holder, ...waiters]);
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0]);
    expect(stderr[0]).toMatch(/lease expired .* alive on this host/);
    const history = JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as {
      state: string;
    }[];
    expect(history.map((h) => h.state)).toEqual(["succeeded", "succeeded", "succeeded"]);
    // The later two found the target reached: one application in all.
    expect(readApplications(dir).effects.get("svc")).toEqual(["v1"]);
  });

  it("a first Ctrl-C lets the running step finish and starts no other; resume completes", async () => {
    const dir = await environment(
      "sigint",
      "  concurrency: 1",
      (d) =>
        recordingComponent(d, "web", { dependsOn: ["api"], sleepMs: 1500 }) + recordingComponent(d, "api"),
    );
    const run = startCli(["run"], { cwd: dir });
    let stderr = "";
    run.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
    await until("web's step to start", started(dir, "web"));
    run.kill("SIGINT");
    const r = await run;
    expect(r.exitCode).toBe(130);
    expect(stderr).toContain("stopping after 1 running step(s)");
    expect(stderr).toContain("Ctrl-C again to abort now");
    const apps = readApplications(dir);
    expect(apps.effects.get("web")).toEqual(["v1"]);
    expect(apps.starts.get("api")).toBeUndefined();
    const status = JSON.parse((await cli(["status", "--json"], { cwd: dir })).stdout) as {
      interrupted: { id: string }[];
    };
    const resumed = await cli(["resume", status.interrupted[0]?.id ?? ""], { cwd: dir });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(readApplications(dir).effects.get("web")).toEqual(["v1"]);
    expect(readApplications(dir).effects.get("api")).toEqual(["v1"]);
  });
});
