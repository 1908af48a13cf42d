/**
 * An alert-triggered rollback happens exactly once per alert occurrence, on the real server
 * process: SIGKILL between the decision and the rollback's creation (BACKOUT_FAILPOINT at the
 * queued journal write), SIGKILL right after its creation, a start refused before the rollback
 * exists, one withdrawn because a CLI rollback held the lock, and SIGKILL during a watch
 * analysis (its verdict lost: the analysis runs again). After each, the same
 * Alertmanager payload is sent again, as Alertmanager does (repeat_interval, webhook retries).
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, commandComponent, releaseSteps, startCli, tempDir, writeStepScripts } from "../e2e/cli.js";
import {
  readApplicationList,
  recordingComponent,
  writeRecordingStep,
} from "../fault-harness/recording-step.js";
import { alertPayload, postAlerts, type AlertResult } from "./alert-payloads.js";
import { serveSection, startServer, until, type ServerProcess } from "./server-process.js";

const ALERTS_TOKEN = "alertmanager-token-0123456789abcdef";
const body = alertPayload([{ name: "WebErrors", fingerprint: "web-once" }], '{}:{alertname="WebErrors"}');

/** web (the trigger's component) and held (a step that waits for releaseSteps), checkpoint v1, deployed v2. */
async function environment(lock = "lease: 2s"): Promise<string> {
  const d = tempDir("serve-alerts-once");
  writeRecordingStep(d);
  writeStepScripts(d);
  for (const n of ["web", "held"]) writeFileSync(join(d, "state", n), "v1");
  writeFileSync(join(d, "health"), "healthy");
  writeFileSync(
    join(d, "backout.yaml"),
    `version: 1
environment: serve-alerts-once
policies:
  lock: { ${lock} }
${serveSection(`    - { name: alertmanager, env: T_ALERTS, roles: [alerts] }
  resumeInterrupted: auto
`)}triggers:
  - name: web-errors
    match: ['alertname="WebErrors"']
    action: rollback
    only: [web]
    cooldown: 1h
  - name: web-slow
    match: ['alertname="WebSlow"']
    action: watch
    only: [web]
    cooldown: 1h
watch:
  interval: 200ms
  count: 600
  checks: [{ command: [/bin/grep, -qx, healthy, ${JSON.stringify(join(d, "health"))}] }]
components:
${recordingComponent(d, "web")}${commandComponent(d, "held", [], "hold")}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: d });
  expect(cp.exitCode, cp.stderr).toBe(0);
  for (const n of ["web", "held"]) writeFileSync(join(d, "state", n), "v2");
  return d;
}

const start = (d: string, env: Record<string, string> = {}) =>
  startServer(d, { T_ALERTS: ALERTS_TOKEN, ...env });
const post = (s: ServerProcess, b: unknown = body): Promise<AlertResult[]> => postAlerts(s, ALERTS_TOKEN, b);

async function rollbacks(s: ServerProcess): Promise<{ id: string; state: string }[]> {
  return JSON.parse((await s.call("GET", "/api/v1/rollbacks", { token: "viewer" })).text) as {
    id: string;
    state: string;
  }[];
}

async function stateOf(s: ServerProcess, id: string): Promise<string> {
  return (await s.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback.state;
}

async function eventTypes(s: ServerProcess, id: string): Promise<string[]> {
  return (await s.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.events.map(
    (e) => e.event.type,
  );
}

/** backout_auto_rollbacks_total{outcome="triggered"}: the alerts' rollbacks that started. */
async function triggered(s: ServerProcess): Promise<number> {
  const text = (await s.call("GET", "/metrics", { token: "viewer" })).text;
  return Number(/^backout_auto_rollbacks_total\{outcome="triggered"\} (\d+)$/m.exec(text)?.[1]);
}

/** The web step was applied exactly once, by `id`. */
function webAppliedOnceBy(d: string, id: string): void {
  const web = readApplicationList(d).filter((a) => a.component === "web");
  expect(web.map((a) => a.rollbackId)).toEqual([id]);
}

/** The first server dies at the failpoint while it answers the alert; a second one takes over. */
async function killedAt(d: string, failpoint: string): Promise<ServerProcess> {
  const first = await start(d, { BACKOUT_FAILPOINT: failpoint });
  await expect(post(first)).rejects.toThrow();
  const exited = await first.proc;
  expect(exited.signal, first.logs()).toBe("SIGKILL");
  return start(d);
}

async function stop(s: ServerProcess): Promise<void> {
  s.proc.kill("SIGTERM");
  await s.proc;
}

describe("an alert-triggered rollback happens exactly once (real server processes)", () => {
  it("SIGKILL after the decision, before the rollback exists: the re-sent alert rolls back, once", async () => {
    const d = await environment();
    const second = await killedAt(d, "journal-event:queued:before");
    try {
      expect(await rollbacks(second)).toEqual([]);
      const [r] = await post(second);
      expect(r).toMatchObject({ outcome: "triggered", trigger: "web-errors" });
      const id = r?.rollbackId ?? "";
      await until("the alert's rollback", async () => (await stateOf(second, id)) === "succeeded");
      // Sent again: the decision now names that rollback.
      expect(await post(second)).toEqual([expect.objectContaining({ outcome: "duplicate", rollbackId: id })]);
      expect((await rollbacks(second)).map((x) => x.id)).toEqual([id]);
      webAppliedOnceBy(d, id);
    } finally {
      await stop(second);
    }
  }, 240_000);

  it("SIGKILL after the rollback exists, before its decision was settled: resumed, never a second one", async () => {
    const d = await environment();
    const second = await killedAt(d, "journal-event:queued:after");
    try {
      const [only] = await rollbacks(second);
      const id = only?.id ?? "";
      // serve.resumeInterrupted: auto takes the interrupted one over.
      await until("the resumed rollback", async () => (await stateOf(second, id)) === "succeeded");
      expect(await post(second)).toEqual([expect.objectContaining({ outcome: "duplicate", rollbackId: id })]);
      expect((await rollbacks(second)).map((x) => x.id)).toEqual([id]);
      webAppliedOnceBy(d, id);
    } finally {
      await stop(second);
    }
  }, 240_000);

  it("a start refused before the rollback exists answers failed; a re-send after the fix rolls back once", async () => {
    const d = await environment();
    const s = await start(d);
    try {
      const state = join(d, "state", "web");
      renameSync(state, `${state}.away`); // its capture fails: no plan, no rollback
      const [refused] = await post(s);
      expect(refused).toMatchObject({ outcome: "failed", trigger: "web-errors" });
      expect(refused?.reason).toMatch(/^COMMAND_FAILED: cannot capture web/);
      expect(await rollbacks(s)).toEqual([]);

      renameSync(`${state}.away`, state);
      // A failed start does not count: not even the trigger's 1 h cooldown holds it back.
      const [r] = await post(s);
      expect(r).toMatchObject({ outcome: "triggered" });
      const id = r?.rollbackId ?? "";
      await until("the alert's rollback", async () => (await stateOf(s, id)) === "succeeded");
      expect(await post(s)).toEqual([expect.objectContaining({ outcome: "duplicate", rollbackId: id })]);
      expect((await rollbacks(s)).map((x) => x.id)).toEqual([id]);
      webAppliedOnceBy(d, id);
      // One rollback started, though the occurrence was decided twice.
      await until("the metrics to have read the journal", async () => (await triggered(s)) >= 1);
      expect(await triggered(s)).toBe(1);
    } finally {
      await stop(s);
    }
  }, 240_000);

  it("withdrawn with LOCK_BUSY while a CLI rollback held the lock: a re-send after it ends rolls back once", async () => {
    const d = await environment("lease: 2s, waitTimeout: 1s");
    const s = await start(d);
    const held = startCli(["run", "--only", "held"], { cwd: d });
    try {
      await until("the CLI rollback holds the lock", async () => {
        const status = await s.call("GET", "/api/v1/status", { token: "viewer" });
        return (JSON.parse(status.text) as { lock: unknown }).lock !== null;
      });
      const [queued] = await post(s);
      expect(queued).toMatchObject({ outcome: "triggered" });
      const withdrawn = queued?.rollbackId ?? "";
      await until(
        "the alert's rollback withdrawn",
        async () => (await stateOf(s, withdrawn)) === "cancelled",
      );
      expect(await eventTypes(s, withdrawn)).not.toContain("started");
      releaseSteps(d);
      expect((await held).exitCode, String((await held).stderr)).toBe(0);

      const [r] = await post(s);
      expect(r).toMatchObject({ outcome: "triggered" });
      const id = r?.rollbackId ?? "";
      expect(id).not.toBe(withdrawn);
      await until("the alert's rollback", async () => (await stateOf(s, id)) === "succeeded");
      expect(await post(s)).toEqual([expect.objectContaining({ outcome: "duplicate", rollbackId: id })]);
      webAppliedOnceBy(d, id);
      // The withdrawn rollback never started: only the second counts.
      await until("the metrics to have read the journal", async () => (await triggered(s)) >= 1);
      expect(await triggered(s)).toBe(1);
    } finally {
      releaseSteps(d);
      await held;
      await stop(s);
    }
  }, 240_000);

  it("SIGKILL during a watch analysis: the re-sent alert runs it again; a duplicate while it runs", async () => {
    const d = await environment();
    const slow = alertPayload([{ name: "WebSlow", fingerprint: "web-slow" }], '{}:{alertname="WebSlow"}');
    const watching = (s: ServerProcess) => s.logs().includes("running the watch analysis first");
    const first = await start(d);
    expect(await post(first, slow)).toEqual([expect.objectContaining({ outcome: "triggered" })]);
    await until("the analysis", () => watching(first));
    first.proc.kill("SIGKILL");
    await first.proc;

    const second = await start(d);
    try {
      const [r] = await post(second, slow);
      expect(r).toMatchObject({ outcome: "triggered", reason: "watch analysis started" });
      expect(await post(second, slow)).toEqual([expect.objectContaining({ outcome: "duplicate" })]);
      writeFileSync(join(d, "health"), "broken");
      await until("the watch's rollback", async () => (await rollbacks(second)).length === 1);
      const [only] = await rollbacks(second);
      const id = only?.id ?? "";
      await until("it to succeed", async () => (await stateOf(second, id)) === "succeeded");
      expect(await post(second, slow)).toEqual([
        expect.objectContaining({ outcome: "duplicate", rollbackId: id }),
      ]);
      webAppliedOnceBy(d, id);
    } finally {
      await stop(second);
    }
  }, 240_000);
});
