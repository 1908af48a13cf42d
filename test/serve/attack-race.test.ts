/**
 * Acceptance attacks on `backout serve`'s state changes racing each other, against the real
 * server process: two approvals of one plan at once, approve and cancel at once, approve after
 * cancel, a resume of a running or a finished rollback (API and CLI), two runs at once, a stale
 * plan hash. Exactly one change wins; every other call is a clean 409 and changes nothing.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../e2e/cli.js";
import { readApplications } from "../fault-harness/recording-step.js";
import { servedEnvironment, until, type Entry } from "./server-process.js";

const NAMES = ["web", "db"];
const server = servedEnvironment("serve-attack-race", { web: { sleepMs: 1500 }, db: { dataLoss: true } });
const deploy = (v: string) => {
  for (const n of NAMES) writeFileSync(join(server.dir, "state", n), v);
};

async function stateOf(id: string): Promise<string> {
  return (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.rollback.state;
}

async function journal(id: string): Promise<Entry[]> {
  return (await server.call("GET", `/api/v1/rollbacks/${id}`, { token: "viewer" })).json.events;
}

const ended = (s: string) => ["succeeded", "failed", "cancelled", "escalated", "timed-out"].includes(s);

/** A rollback waiting at the data-loss gate, with its plan hash. */
async function awaiting(version: string): Promise<{ id: string; hash: string }> {
  deploy(version);
  const r = await server.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} });
  expect(r.status, r.text).toBe(202);
  const id = r.json.rollbackId;
  await until("awaiting-confirmation", async () => (await stateOf(id)) === "awaiting-confirmation");
  return { id, hash: r.json.planHash };
}

describe("attack: approvals racing", () => {
  it("two approvals of one plan at once: exactly one wins, the other is a clean 409, the plan runs once", async () => {
    const before = readApplications(server.dir).effects.get("db")?.length ?? 0;
    const { id, hash } = await awaiting("v2");
    const both = await Promise.all(
      ["approver", "both"].map((t) =>
        server.call("POST", `/api/v1/rollbacks/${id}/approve`, { token: t, body: { planHash: hash } }),
      ),
    );
    const statuses = both.map((r) => r.status).sort();
    expect(statuses, both.map((r) => r.text).join("\n")).toEqual([202, 409]);
    const loser = both.find((r) => r.status === 409);
    expect(loser?.json.error.code).toMatch(/ROLLBACK_NOT_RESUMABLE|LOCK_BUSY/);
    await until("the rollback to end", async () => ended(await stateOf(id)));
    expect(await stateOf(id)).toBe("succeeded");
    const events = await journal(id);
    expect(events.filter((e) => e.event.type === "gate-approved")).toHaveLength(1);
    expect(readApplications(server.dir).effects.get("db")?.length).toBe(before + 1);
    expect(readApplications(server.dir).overlaps).toEqual([]);
  }, 120_000);

  it("approve and cancel at once: one of them wins; never both journalled", async () => {
    const { id, hash } = await awaiting("v3");
    const [approve, cancel] = await Promise.all([
      server.call("POST", `/api/v1/rollbacks/${id}/approve`, { token: "approver", body: { planHash: hash } }),
      server.call("POST", `/api/v1/rollbacks/${id}/cancel`, { token: "operator" }),
    ]);
    expect([approve.status, cancel.status].sort(), `${approve.text}\n${cancel.text}`).toEqual(
      approve.status === 202 ? [202, 409] : [200, 409],
    );
    await until("the rollback to end", async () => ended(await stateOf(id)));
    const types = (await journal(id)).map((e) => e.event.type);
    const finished = types.filter((t) => t === "finished");
    expect(finished, types.join(",")).toHaveLength(1);
    if (cancel.status === 200) expect(types).not.toContain("gate-approved");
  }, 120_000);

  it("approve after cancel, a stale hash, a resume of a finished rollback: 409, nothing changes", async () => {
    const { id, hash } = await awaiting("v4");
    const stale = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: "0123456789abcdef" },
    });
    expect(stale.status, stale.text).toBe(409);
    expect(stale.json.error.code).toBe("CONFIRMATION_MISMATCH");
    expect((await server.call("POST", `/api/v1/rollbacks/${id}/cancel`, { token: "operator" })).status).toBe(
      200,
    );
    const late = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: hash },
    });
    expect(late.status, late.text).toBe(409);
    expect(late.json.error.code).toBe("ROLLBACK_NOT_RESUMABLE");
    const resume = await server.call("POST", `/api/v1/rollbacks/${id}/resume`, { token: "operator" });
    expect(resume.status, resume.text).toBe(409);
    const again = await server.call("POST", `/api/v1/rollbacks/${id}/cancel`, { token: "operator" });
    expect(again.status, again.text).toBe(409);
    expect(await stateOf(id)).toBe("cancelled");
  }, 120_000);

  it("a resume of a running rollback, through the API and the CLI at once, is refused; each step runs once", async () => {
    const before = readApplications(server.dir).starts.get("web") ?? 0;
    const { id, hash } = await awaiting("v5");
    const ok = await server.call("POST", `/api/v1/rollbacks/${id}/approve`, {
      token: "approver",
      body: { planHash: hash },
    });
    expect(ok.status, ok.text).toBe(202);
    await until("web to start", () => (readApplications(server.dir).starts.get("web") ?? 0) > before);
    const [api, viaCli] = await Promise.all([
      server.call("POST", `/api/v1/rollbacks/${id}/resume`, { token: "operator" }),
      cli(["resume", id, "--no-wait"], { cwd: server.dir }),
    ]);
    expect(api.status, api.text).toBe(409);
    expect(viaCli.exitCode, viaCli.stderr).not.toBe(0);
    await until("the rollback to end", async () => ended(await stateOf(id)));
    expect(await stateOf(id)).toBe("succeeded");
    expect(readApplications(server.dir).starts.get("web")).toBe(before + 1);
    expect(readApplications(server.dir).overlaps).toEqual([]);
  }, 120_000);

  it("two runs at once: both exist (the second queued as with the CLI), and both can be cancelled", async () => {
    deploy("v6");
    const runs = await Promise.all(
      [0, 1].map(() => server.call("POST", "/api/v1/rollbacks", { token: "operator", body: {} })),
    );
    expect(
      runs.map((r) => r.status),
      runs.map((r) => r.text).join("\n"),
    ).toEqual([202, 202]);
    const ids = runs.map((r) => r.json.rollbackId);
    expect(new Set(ids).size).toBe(2);
    await until("one at the gate", async () =>
      (await Promise.all(ids.map(stateOf))).includes("awaiting-confirmation"),
    );
    for (const id of ids) {
      const c = await server.call("POST", `/api/v1/rollbacks/${id}/cancel`, { token: "operator" });
      expect(c.status, `${id}: ${c.text}`).toBe(200);
    }
    await until("both cancelled", async () =>
      (await Promise.all(ids.map(stateOf))).every((s) => s === "cancelled"),
    );
    expect(readApplications(server.dir).overlaps).toEqual([]);
  }, 120_000);
});
