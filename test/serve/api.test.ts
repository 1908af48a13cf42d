/**
 * `backout serve` as a real process (the built CLI) on a loopback port: the auth matrix, bad
 * bodies, rollbacks started by the API and finished by the CLI and the other way round, the
 * four-eyes rule (one person on two channels is one person), SSE resumption with Last-Event-ID,
 * /metrics, the OpenAPI document, and the checkpoint audit written by the API and the CLI.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../e2e/cli.js";
import { readApplications } from "../fault-harness/recording-step.js";
import {
  readEvents,
  servedEnvironment,
  TOKENS,
  until,
  type Entry,
  type TokenName,
} from "./server-process.js";

/** `web` (plain) and `db` (declared data loss: its plans wait for an approver), at v1 until deployed. */
const server = servedEnvironment(
  "serve-api",
  { web: {}, db: { dataLoss: true } },
  "  fourEyes: true\n  bodyLimit: 2048\n",
);

const deploy = (v: string) => {
  for (const n of ["web", "db"]) writeFileSync(join(server.dir, "state", n), v);
};

async function stateOf(id: string): Promise<string> {
  const r = await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" });
  return r.json.rollback.state;
}

describe("backout serve: auth matrix (every endpoint × no token, bad token, each role)", () => {
  // What each endpoint needs; calls that would change something aim at things that do not exist.
  const endpoints: [string, string, "viewer" | "operator" | "approver", unknown?][] = [
    ["GET", "/api/v1/status", "viewer"],
    ["GET", "/api/v1/checkpoints", "viewer"],
    ["GET", "/api/v1/checkpoints/no-such", "viewer"],
    ["GET", "/api/v1/rollbacks", "viewer"],
    ["GET", "/api/v1/rollbacks/r-none", "viewer"],
    ["GET", "/api/v1/rollbacks/r-none/report?format=md", "viewer"],
    ["GET", "/api/v1/openapi.json", "viewer"],
    ["GET", "/api/v1/whoami", "viewer"],
    ["GET", "/api/v1/rollbacks/r-none/live", "viewer"],
    ["GET", "/metrics", "viewer"],
    ["GET", "/api/v1/plan?to=no-such-checkpoint", "operator"],
    ["POST", "/api/v1/checkpoints", "operator", { name: "matrix" }],
    ["PUT", "/api/v1/checkpoints/no-such/good", "operator"],
    ["DELETE", "/api/v1/checkpoints/no-such/good", "operator"],
    ["POST", "/api/v1/rollbacks", "operator", { to: "no-such-checkpoint" }],
    ["POST", "/api/v1/rollbacks/r-none/resume", "operator"],
    ["POST", "/api/v1/rollbacks/r-none/cancel", "operator"],
    ["POST", "/api/v1/rollbacks/r-none/approve", "approver", { planHash: "abcdef" }],
  ];
  const roles: Record<TokenName, string[]> = {
    viewer: ["viewer"],
    operator: ["viewer", "operator"],
    approver: ["viewer", "approver"],
    both: ["viewer", "operator", "approver"],
  };
  it.each(endpoints)("%s %s needs %s", async (method, path, needs, body) => {
    const o = body === undefined ? {} : { body };
    for (const [token, expectCode] of [
      [undefined, "AUTH_FAILED"],
      ["not-a-token-at-all-0123456789", "AUTH_FAILED"],
    ] as const) {
      const r = await server.call(method, path, { ...o, ...(token ? { token } : {}) });
      expect(r.status, `${method} ${path} with ${token ?? "no token"}`).toBe(401);
      expect(r.json.error).toMatchObject({ code: expectCode, retryable: false });
      expect(typeof r.json.error.hint).toBe("string");
    }
    for (const name of Object.keys(TOKENS) as TokenName[]) {
      const r = await server.call(method, path, { ...o, token: name });
      if (roles[name].includes(needs)) {
        expect([401, 403], `${method} ${path} as ${name}: ${r.text.slice(0, 200)}`).not.toContain(r.status);
        expect(r.status, r.text.slice(0, 200)).toBeLessThan(500);
      } else {
        expect(r.status, `${method} ${path} as ${name}`).toBe(403);
        expect(r.json.error.code).toBe("FORBIDDEN");
      }
    }
  });

  it("healthz needs no token; an unknown path is a 404 in the error shape; no CORS header is sent", async () => {
    expect((await server.call("GET", "/healthz")).status).toBe(200);
    const r = await server.call("GET", "/api/v1/nope", {
      token: "viewer",
      headers: { origin: "https://evil.example" },
    });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe("USAGE");
    const res = await fetch(`${server.url}/api/v1/status`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}`, origin: "https://evil.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("no token value appears in the server's logs", () => {
    for (const t of Object.values(TOKENS)) expect(server.logs()).not.toContain(t);
  });
});

describe("backout serve: malformed and oversized bodies are clean 4xx in the CLI's error shape", () => {
  const cases: [string, { raw?: string; body?: unknown; headers?: Record<string, string> }, number][] = [
    ["broken JSON", { raw: '{"to":', headers: { "content-type": "application/json" } }, 400],
    ["an unknown field", { body: { to: "v1", force: true } }, 400],
    ["a wrong type", { body: { only: "web" } }, 400],
    [
      "a body over serve.bodyLimit",
      { body: { only: Array.from({ length: 400 }, (_, i) => `component-${i}`) } },
      413,
    ],
    [
      "a non-JSON content type",
      { raw: "to=v1", headers: { "content-type": "application/x-www-form-urlencoded" } },
      415,
    ],
  ];
  it.each(cases)("%s", async (_what, o, status) => {
    const r = await server.call("POST", "/api/v1/rollbacks", { token: "operator", ...o });
    expect(r.status, r.text).toBe(status);
    expect(r.json.error).toMatchObject({ code: "USAGE", retryable: false });
    expect(typeof r.json.error.message).toBe("string");
    expect(typeof r.json.error.hint).toBe("string");
    // Nothing was started.
    expect((await server.call("GET", "/api/v1/rollbacks", { token: "viewer" })).json).toEqual([]);
  });
});

describe("backout serve: the same rollbacks as the CLI", () => {
  it("started by the API, waits for the data-loss gate, approved and finished by the CLI; journalled with who", async () => {
    deploy("v2");
    const start = await server.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
    expect(start.status, start.text).toBe(202);
    const id = start.json.rollbackId;
    await until("awaiting-confirmation", async () => (await stateOf(id)) === "awaiting-confirmation");
    const approve = await cli(["approve", id, "--plan-hash", start.json.planHash.slice(0, 12)], {
      cwd: server.dir,
    });
    expect(approve.exitCode, approve.stderr).toBe(0);
    expect(await stateOf(id)).toBe("succeeded");
    const shown = await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" });
    const queued = shown.json.events.find((e: Entry) => e.event.type === "queued");
    expect(queued?.event.requestedBy).toBe("otto@serve");
    expect(readFileSync(join(server.dir, "state", "db"), "utf8")).toBe("v1");
  }, 120_000);

  it("started by the CLI, approved through the API and finished by the server; four-eyes refuses the requester", async () => {
    deploy("v3");
    const run = await cli(["run"], { cwd: server.dir });
    expect(run.exitCode, run.stderr).toBe(3); // waits for confirmation
    const id =
      (JSON.parse((await cli(["history", "--json"], { cwd: server.dir })).stdout) as { id: string }[])[0]
        ?.id ?? "";
    const shown = await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" });
    const hash = shown.json.rollback.plan.hash;
    const wrong = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: "0000000" },
    });
    expect(wrong.status).toBe(409);
    expect(wrong.json.error.code).toBe("CONFIRMATION_MISMATCH");
    const ok = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: hash },
    });
    expect(ok.status, ok.text).toBe(202);
    await until("succeeded", async () => (await stateOf(id)) === "succeeded");
    const events = (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.events;
    expect(events.find((e) => e.event.type === "gate-approved")?.event.by).toBe("anna@serve");
    expect(events.find((e) => e.event.type === "started")?.event.holder?.pid).toBe(server.proc.pid);
    // Who let it start: the approver whose call continued it, not (as before) nobody.
    expect(events.find((e) => e.event.type === "started")?.event.by).toBe("anna@serve");

    // Four-eyes: carl requests, carl may not approve, anna may.
    deploy("v4");
    const mine = await server.call("POST", "/api/v1/rollbacks", { token: "both", body: {} });
    expect(mine.status, mine.text).toBe(202);
    const mid = mine.json.rollbackId;
    await until("awaiting-confirmation", async () => (await stateOf(mid)) === "awaiting-confirmation");
    const self = await server.call("POST", `/api/v1/rollbacks/${mid}/approve`, {
      token: "both",
      body: { planHash: mine.json.planHash },
    });
    expect(self.status).toBe(403);
    expect(self.json.error.code).toBe("FORBIDDEN");
    expect(await stateOf(mid)).toBe("awaiting-confirmation");
    const other = await server.call("POST", `/api/v1/rollbacks/${mid}/approve`, {
      token: "approver",
      body: { planHash: mine.json.planHash },
    });
    expect(other.status, other.text).toBe(202);
    await until("succeeded", async () => (await stateOf(mid)) === "succeeded");
    const apps = readApplications(server.dir);
    expect(apps.overlaps).toEqual([]);
    expect(apps.effects.get("db")).toEqual(["v1", "v1", "v1"]);
  }, 180_000);

  it("four-eyes compares the person, not the channel: carl requests through the CLI, carl's token may not approve, anna's may", async () => {
    deploy("v4b");
    const run = await cli(["run", "--as", "carl"], { cwd: server.dir });
    expect(run.exitCode, run.stderr).toBe(3);
    const id =
      (JSON.parse((await cli(["history", "--json"], { cwd: server.dir })).stdout) as { id: string }[])[0]
        ?.id ?? "";
    const shown = await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" });
    expect(shown.json.events.find((e) => e.event.type === "queued")?.event.requestedBy).toBe("carl@cli");
    const hash = shown.json.rollback.plan.hash;
    const self = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "both",
      body: { planHash: hash },
    });
    expect(self.status, self.text).toBe(403);
    expect(self.json.error.code).toBe("FORBIDDEN");
    expect(self.json.error.message).toBe(
      `rollback ${id} was requested by carl@cli, and carl@serve is the same person (carl) on another channel; four-eyes needs another approver`,
    );
    expect(await stateOf(id)).toBe("awaiting-confirmation");
    const other = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: hash },
    });
    expect(other.status, other.text).toBe(202);
    await until("succeeded", async () => (await stateOf(id)) === "succeeded");
    expect(readFileSync(join(server.dir, "state", "db"), "utf8")).toBe("v1");
  }, 180_000);

  it("SSE: a client that reconnects with Last-Event-ID gets every event it missed, in order, none twice", async () => {
    const first = await readEvents(server.url, TOKENS.viewer, {
      query: "?after=0",
      stop: (e) => e.length >= 3,
    });
    const last = first[first.length - 1]?.id ?? "";
    // While it is away: a rollback by the CLI and one by the API (another process each).
    deploy("v5");
    const run = await cli(["run", "--except", "db"], { cwd: server.dir });
    expect(run.exitCode, run.stderr).toBe(0);
    deploy("v6");
    const api = await server.call("POST", "/api/v1/rollbacks", {
      token: "operator",
      body: { only: ["web"] },
    });
    expect(api.status, api.text).toBe(202);
    await until("succeeded", async () => (await stateOf(api.json.rollbackId)) === "succeeded");
    // Every journal event of every rollback, from the journals themselves.
    const all: Entry[] = [];
    const list = (await server.call("GET", "/api/v1/rollbacks?limit=100", { token: "viewer" })).json;
    for (const r of list as unknown as { id: string }[])
      all.push(...(await server.call("GET", `/api/v1/rollbacks/${r.id}`, { token: "viewer" })).json.events);
    const rest = await readEvents(server.url, TOKENS.viewer, {
      lastEventId: last,
      stop: (e) => first.length + e.length >= all.length,
    });
    const seen = [...first, ...rest];
    const ids = seen.map((e) => Number(e.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1)); // gap-free, in order, none twice
    const key = (e: { rollbackId: string; seq: number }) => `${e.rollbackId}#${e.seq}`;
    expect(seen.map((e) => (e.data ? key(e.data) : "no data")).sort()).toEqual(all.map(key).sort());
  }, 180_000);

  it("/metrics counts the rollbacks by result and the API requests; the OpenAPI document lists the endpoints", async () => {
    const m = await server.call("GET", "/metrics", { token: "viewer" });
    expect(m.text).toMatch(/backout_rollbacks_total\{result="succeeded"\} [1-9]/);
    expect(m.text).toMatch(/backout_step_duration_seconds_count\{outcome="succeeded"\} [1-9]/);
    expect(m.text).toMatch(
      /backout_api_requests_total\{method="POST",route="\/api\/v1\/rollbacks",status="202"\} [1-9]/,
    );
    expect(m.text).toMatch(/backout_queue_depth 0/);
    expect(m.text).toMatch(/backout_last_good_checkpoint_age_seconds \d/);
    const doc = (await server.call("GET", "/api/v1/openapi.json", { token: "viewer" })).json;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/rollbacks",
        "/api/v1/rollbacks/{id}/approve",
        "/api/v1/events",
        "/api/v1/plan",
        "/api/v1/checkpoints/{ref}",
      ]),
    );
    expect(
      doc.paths["/api/v1/rollbacks"]?.post?.requestBody.content["application/json"]?.schema.properties,
    ).toHaveProperty("only");
  });
});

describe("backout serve: the checkpoint audit (who took, marked, unmarked a checkpoint, and through what)", () => {
  interface AuditEvent {
    action: string;
    by: string;
    via: string;
    at: number;
    details: Record<string, unknown>;
  }
  const audit = async (ref: string): Promise<AuditEvent[]> => {
    const r = await server.call("GET", `/api/v1/checkpoints/${ref}`, { token: "viewer" });
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { events: AuditEvent[] }).events;
  };
  const brief = (events: AuditEvent[]) => events.map((e) => [e.action, e.by, e.via, e.details]);

  it("the API records the token's name via serve, the CLI the user (or --as) via cli; a viewer reads it, and so does the CLI", async () => {
    const taken = await server.call("POST", "/api/v1/checkpoints", {
      token: "operator",
      body: { name: "audited" },
    });
    expect(taken.status, taken.text).toBe(200);
    expect((await server.call("PUT", "/api/v1/checkpoints/audited/good", { token: "both" })).status).toBe(
      200,
    );
    expect(
      (await server.call("DELETE", "/api/v1/checkpoints/audited/good", { token: "operator" })).status,
    ).toBe(200);
    const marked = await cli(["mark-good", "audited", "--as", "mia"], { cwd: server.dir });
    expect(marked.exitCode, marked.stderr).toBe(0);
    const unmarked = await cli(["unmark-good", "audited"], { cwd: server.dir });
    expect(unmarked.exitCode, unmarked.stderr).toBe(0);

    const events = await audit("audited");
    expect(brief(events)).toEqual([
      ["taken", "otto", "serve", { name: "audited", good: false }],
      ["marked-good", "carl", "serve", { wasGood: false }],
      ["unmarked-good", "otto", "serve", { wasGood: true }],
      ["marked-good", "mia", "cli", { wasGood: false }],
      ["unmarked-good", userInfo().username, "cli", { wasGood: true }],
    ]);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort((a, b) => a - b));
    // The checkpoint the CLI took before the server started (backout checkpoint --good).
    expect(brief(await audit("v1"))).toEqual([
      ["taken", userInfo().username, "cli", { name: "v1", good: true }],
    ]);

    const shown = await cli(["checkpoints", "audited", "--json"], { cwd: server.dir });
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(brief((JSON.parse(shown.stdout) as { events: AuditEvent[] }).events)).toEqual(brief(events));
    const text = await cli(["checkpoints", "audited"], { cwd: server.dir });
    expect(text.stdout).toMatch(/marked-good +mia +cli +was not good/);
    expect(text.stdout).toMatch(/taken +otto +serve +not marked good/);

    const missing = await server.call("GET", "/api/v1/checkpoints/audtied", { token: "viewer" });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("CHECKPOINT_NOT_FOUND");
    expect(missing.json.error.message).toContain('Did you mean "audited"?');
  }, 120_000);
});
