/**
 * The server's guard rails, each with the real `backout serve` process: the per-token rate limit
 * (429), TLS from a certificate made by the openssl CLI, the refusal of plain HTTP off
 * loopback, the second SIGTERM cancelling the running step, and the gate-wait and duration
 * histograms in /metrics agreeing with the journal.
 */
import { execa } from "execa";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, cli } from "../e2e/cli.js";
import { isAlive, readApplicationList, readApplications } from "../fault-harness/recording-step.js";
import { freePort } from "../support/free-port.js";
import {
  startServer,
  TOKEN_ENV,
  TOKENS,
  until,
  writeServedEnvironment,
  type Entry,
  type ServerProcess,
} from "./server-process.js";

/** One component `a` (options as given) and `db` behind the data-loss gate; checkpoint v1, deployed v2. */
async function environment(serveExtra: string, aSleepMs = 0): Promise<string> {
  const components = { a: { sleepMs: aSleepMs }, db: { dataLoss: true } };
  const d = await writeServedEnvironment("serve-hard", components, serveExtra);
  for (const n of ["a", "db"]) writeFileSync(join(d, "state", n), "v2");
  return d;
}

async function stop(s: ServerProcess): Promise<void> {
  s.proc.kill("SIGTERM");
  await s.proc;
}

async function journal(s: ServerProcess, id: string): Promise<Entry[]> {
  return (await s.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.events;
}

/** GET over HTTPS trusting only `ca` (the self-signed certificate). */
function httpsGet(url: string, ca: Buffer, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("backout serve guard rails (real server process)", () => {
  it("past serve.rateLimit a token gets 429 RATE_LIMITED with Retry-After; another token is not slowed", async () => {
    const d = await environment("  rateLimit: { requests: 5, window: 10m }\n");
    const s = await startServer(d);
    try {
      for (let i = 0; i < 5; i++) {
        expect((await s.call("GET", "/api/v1/status", { token: "viewer" })).status).toBe(200);
      }
      const res = await fetch(`${s.url}/api/v1/status`, {
        headers: { authorization: `Bearer ${TOKENS.viewer}` },
      });
      expect(res.status).toBe(429);
      const retry = Number(res.headers.get("retry-after"));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(600);
      const body = (await res.json()) as { error: { code: string; retryable: boolean; hint: string } };
      expect(body.error).toMatchObject({ code: "RATE_LIMITED", retryable: true });
      expect(body.error.hint).toContain("serve.rateLimit");
      expect((await s.call("GET", "/api/v1/status", { token: "operator" })).status).toBe(200);
    } finally {
      await stop(s);
    }
  }, 120_000);

  it("TLS: serves HTTPS with the configured certificate (off loopback too), and nothing in clear text", async () => {
    const d = await environment("  tls: { cert: tls/cert.pem, key: tls/key.pem }\n");
    const tls = join(d, "tls");
    mkdirSync(tls);
    const made = await execa(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout",
        join(tls, "key.pem"),
        "-out",
        join(tls, "cert.pem"),
      ],
      { reject: false },
    );
    expect(made.exitCode, made.stderr).toBe(0);
    const ca = readFileSync(join(tls, "cert.pem"));
    const port = await freePort();
    // 0.0.0.0 without --insecure-listen: allowed because the traffic is encrypted.
    const proc = execa(process.execPath, [CLI, "serve", "--listen", `0.0.0.0:${port}`], {
      cwd: d,
      env: { ...TOKEN_ENV, BACKOUT_ACTIVE_ROLLBACK: "" },
      reject: false,
      stdin: "ignore",
      all: true,
    });
    try {
      const url = `https://127.0.0.1:${port}`;
      await until("the HTTPS server", async () => {
        if (proc.exitCode !== null) throw new Error(`serve exited ${proc.exitCode}`);
        return httpsGet(`${url}/healthz`, ca).then(
          (r) => r.status === 200,
          () => false,
        );
      });
      const status = await httpsGet(`${url}/api/v1/status`, ca, TOKENS.viewer);
      expect(status.status).toBe(200);
      expect(JSON.parse(status.body)).toMatchObject({ environment: "serve-hard" });
      // The certificate is checked: a client that does not trust it is refused.
      await expect(httpsGet(`${url}/healthz`, Buffer.from(""))).rejects.toThrow();
      // Plain HTTP on the same port gets no answer a client could use.
      const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status,
        () => "refused",
      );
      expect(plain).not.toBe(200);
    } finally {
      proc.kill("SIGTERM");
      await proc;
    }
  }, 120_000);

  it("plain HTTP off loopback is refused before listening unless --insecure-listen is given", async () => {
    const d = await environment("");
    const port = await freePort();
    const env = { ...TOKEN_ENV, BACKOUT_ACTIVE_ROLLBACK: "" };
    const refused = await execa(process.execPath, [CLI, "serve", "--listen", `0.0.0.0:${port}`], {
      cwd: d,
      env,
      reject: false,
      stdin: "ignore",
      timeout: 60_000,
    });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("refusing plain HTTP on 0.0.0.0");
    expect(refused.stderr).toContain("--insecure-listen");

    const proc = execa(process.execPath, [CLI, "serve", "--listen", `0.0.0.0:${port}`, "--insecure-listen"], {
      cwd: d,
      env,
      reject: false,
      stdin: "ignore",
    });
    try {
      await until("the server with --insecure-listen", async () => {
        if (proc.exitCode !== null) throw new Error("serve exited");
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      });
    } finally {
      proc.kill("SIGTERM");
      await proc;
    }
  }, 120_000);

  it("a second SIGTERM cancels the running step (its process ends, no effect) and exits; the rollback stays resumable", async () => {
    const d = await environment("", 600_000);
    const s = await startServer(d);
    const r = await s.call("POST", "/api/v1/rollbacks", { token: "operator", body: { only: ["a"] } });
    expect(r.status, r.text).toBe(202);
    const id = r.json.rollbackId;
    await until("step a to start", () => (readApplications(d).starts.get("a") ?? 0) > 0);
    s.proc.kill("SIGTERM");
    await until("the first stop to be logged", () => s.logs().includes("running steps finish"));
    expect(s.proc.exitCode).toBeNull(); // the first SIGTERM waits for the 10-minute step
    s.proc.kill("SIGTERM");
    const exited = await s.proc;
    expect(s.logs()).toContain("second stop signal");
    expect(exited.exitCode, s.logs()).toBe(0);
    const apps = readApplications(d);
    expect(apps.effects.get("a") ?? []).toEqual([]); // cut off before its effect
    expect(readFileSync(join(d, "state", "a"), "utf8")).toBe("v2");
    const step = readApplicationList(d).find((x) => x.component === "a");
    expect(step && isAlive(step.pid)).toBe(false); // its process was ended, not left running
    const events = (await cli(["show", id, "--json"], { cwd: d })).stdout;
    expect(events).toContain("step-cancelled");
    // Still resumable by anyone: status lists it as interrupted.
    const status = JSON.parse((await cli(["status", "--json"], { cwd: d })).stdout) as {
      interrupted: { id: string }[];
    };
    expect(status.interrupted.map((i) => i.id)).toEqual([id]);
  }, 120_000);

  it("/metrics: the gate wait and the rollback and step durations are observed as the journal says", async () => {
    const d = await environment("");
    const s = await startServer(d);
    try {
      const r = await s.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
      expect(r.status, r.text).toBe(202);
      const id = r.json.rollbackId;
      const state = async () =>
        (await s.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback.state;
      await until("awaiting-confirmation", async () => (await state()) === "awaiting-confirmation");
      const ok = await s.call("POST", `/api/v1/rollbacks/${id}/approve`, {
        token: "approver",
        body: { planHash: r.json.planHash },
      });
      expect(ok.status, ok.text).toBe(202);
      await until("succeeded", async () => (await state()) === "succeeded");
      const events = (await journal(s, id)) as (Entry & { at: number })[];
      const at = (type: string) => events.find((e) => e.event.type === type)?.at ?? NaN;
      const gateWait = (at("gate-approved") - at("gate-waiting")) / 1000;
      const took = (at("finished") - at("started")) / 1000;
      let text = "";
      await until("the metrics to see the end", async () => {
        text = (await s.call("GET", "/metrics", { token: "viewer" })).text;
        return /backout_rollback_duration_seconds_count\{result="succeeded"\} 1/.test(text);
      });
      const value = (re: RegExp) => Number(re.exec(text)?.[1]);
      expect(value(/^backout_gate_wait_seconds_count (\S+)$/m)).toBe(1);
      expect(value(/^backout_gate_wait_seconds_sum (\S+)$/m)).toBeCloseTo(gateWait, 3);
      expect(value(/^backout_gate_wait_seconds_bucket\{le="\+Inf"\} (\S+)$/m)).toBe(1);
      expect(value(/^backout_rollback_duration_seconds_sum\{result="succeeded"\} (\S+)$/m)).toBeCloseTo(
        took,
        3,
      );
      expect(value(/^backout_step_duration_seconds_count\{outcome="succeeded"\} (\S+)$/m)).toBe(2);
    } finally {
      await stop(s);
    }
  }, 120_000);
});
