/**
 * The server's own failures, with real processes: SIGKILL of `backout serve` in the middle of a
 * rollback, then a new server (serve.resumeInterrupted auto, or manual and a resume call);
 * SIGTERM drains (the running step finishes, no new one starts, the rollback stays resumable).
 * Every application of a step is recorded by the step itself (applications.log).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "../e2e/cli.js";
import { readApplications, recordingComponent, writeRecordingStep } from "../fault-harness/recording-step.js";
import { serveSection, startServer, until, type ServerProcess } from "./server-process.js";

const NAMES = ["a", "b", "c"];

/** a depends on b, b on c: rolled back dependents first (a, b, c), each step 1.5 s; checkpoint v1, deployed v2. */
async function environment(resume: "auto" | "manual"): Promise<string> {
  const d = tempDir("serve-crash");
  writeRecordingStep(d);
  for (const n of NAMES) writeFileSync(join(d, "state", n), "v1");
  writeFileSync(
    join(d, "backout.yaml"),
    `version: 1
environment: serve-crash
policies:
  lock: { lease: 2s }
${serveSection(`  resumeInterrupted: ${resume}\n`)}components:
${recordingComponent(d, "a", { dependsOn: ["b"], sleepMs: 1500 })}${recordingComponent(d, "b", { dependsOn: ["c"], sleepMs: 1500 })}${recordingComponent(d, "c", { sleepMs: 1500 })}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: d });
  expect(cp.exitCode, cp.stderr).toBe(0);
  for (const n of NAMES) writeFileSync(join(d, "state", n), "v2");
  return d;
}

const started = (d: string, name: string) => (readApplications(d).starts.get(name) ?? 0) > 0;

async function stateOf(s: ServerProcess, id: string): Promise<string> {
  return (await s.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback.state;
}

function expectOnceEach(d: string): void {
  const apps = readApplications(d);
  expect(apps.overlaps).toEqual([]);
  for (const n of NAMES) {
    expect(apps.effects.get(n), n).toEqual(["v1"]);
    expect(readFileSync(join(d, "state", n), "utf8")).toBe("v1");
  }
}

describe("backout serve survives its own failures (real processes)", () => {
  it.each(["auto", "manual"] as const)(
    "SIGKILL mid-rollback, restart with resumeInterrupted %s: reported, resumed, each step applied once",
    async (policy) => {
      const d = await environment(policy);
      const first = await startServer(d);
      const r = await first.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
      expect(r.status, r.text).toBe(202);
      const id = r.json.rollbackId;
      await until("step b to start", () => started(d, "b"));
      first.proc.kill("SIGKILL");
      await first.proc;

      const second = await startServer(d);
      try {
        if (policy === "manual") {
          const status = await second.call("GET", "/api/v1/status", { token: "viewer" });
          expect(status.json.interrupted.map((i: { id: string }) => i.id)).toEqual([id]);
          expect(second.logs()).toContain(`rollback ${id} was interrupted`);
          const resumed = await second.call("POST", `/api/v1/rollbacks/${id}/resume`, { token: "operator" });
          expect(resumed.status, resumed.text).toBe(202);
        }
        await until("succeeded", async () => (await stateOf(second, id)) === "succeeded", 120_000);
        const events = (await second.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.events;
        const resumedBy = events.find((e) => e.event.type === "resumed")?.event.by;
        expect(resumedBy).toBe(policy === "auto" ? "serve@resumeInterrupted" : "otto@serve");
        expectOnceEach(d);
      } finally {
        second.proc.kill("SIGTERM");
        await second.proc;
      }
    },
    240_000,
  );

  it("SIGTERM drains: the running step finishes, no new step starts, exit 0; the CLI resumes the rest", async () => {
    const d = await environment("manual");
    const s = await startServer(d);
    const r = await s.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
    expect(r.status, r.text).toBe(202);
    const id = r.json.rollbackId;
    await until("step a to start", () => started(d, "a"));
    s.proc.kill("SIGTERM");
    const exited = await s.proc;
    expect(exited.exitCode, s.logs()).toBe(0);
    const apps = readApplications(d);
    expect(apps.effects.get("a")).toEqual(["v1"]); // the running step finished
    expect(apps.starts.get("b") ?? 0).toBe(0); // nothing new started
    expect(apps.starts.get("c") ?? 0).toBe(0);
    const resume = await cli(["resume", id], { cwd: d });
    expect(resume.exitCode, resume.stderr).toBe(0);
    expectOnceEach(d);
  }, 240_000);
});
