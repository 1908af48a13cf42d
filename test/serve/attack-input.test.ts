/**
 * Acceptance attacks on `backout serve`'s inputs, against the real server process: every route
 * with wrong types, unknown fields, huge or odd ids (NUL, unicode, `../`), bad query values, bad
 * content types and empty bodies, garbage Last-Event-ID. Each must be a clean 4xx in the CLI's
 * error shape (code, message, hint), never a 500 or a stack, and must change nothing.
 */
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { servedEnvironment, TOKENS } from "./server-process.js";

const server = servedEnvironment(
  "serve-attack-input",
  { web: {}, db: { dataLoss: true } },
  "  bodyLimit: 2048\n",
);

/** What a refusal must look like: a 4xx in the CLI's shape, with no stack or fastify internals. */
function expectCleanRefusal(r: { status: number; text: string; json: { error?: unknown } }, what: string) {
  expect(r.status, `${what}: ${r.text}`).toBeGreaterThanOrEqual(400);
  expect(r.status, `${what}: ${r.text}`).toBeLessThan(500);
  const e = r.json.error as Record<string, unknown> | undefined;
  expect(e, `${what}: ${r.text}`).toBeDefined();
  expect(typeof e?.code, what).toBe("string");
  expect(typeof e?.message, what).toBe("string");
  expect(typeof e?.hint, `${what} has a hint: ${r.text}`).toBe("string");
  expect(typeof e?.retryable, what).toBe("boolean");
  expect(r.text, what).not.toMatch(/at .*\.(js|ts):\d+|FST_|stack/);
}

async function nothingChanged(): Promise<void> {
  expect((await server.call("GET", "/api/v1/rollbacks", { token: "viewer" })).json).toEqual([]);
  const cps = (await server.call("GET", "/api/v1/checkpoints", { token: "viewer" }))
    .json as unknown as unknown[];
  expect(cps).toHaveLength(1);
}

const ODD_IDS = [
  "..%2F..%2Fetc%2Fpasswd",
  "..",
  "%2E%2E",
  "a%00b",
  "%00",
  "r%E2%80%AE%F0%9F%92%A5",
  "x".repeat(5000),
  "%C0%AF", // an overlong UTF-8 '/': invalid percent-encoding
  "%ZZ",
];

describe("attack: odd ids on every route that takes one", () => {
  const routes: [string, (id: string) => string, string, unknown?][] = [
    ["GET", (id) => `/api/v1/rollbacks/${id}`, "viewer"],
    ["GET", (id) => `/api/v1/rollbacks/${id}/report`, "viewer"],
    ["GET", (id) => `/api/v1/rollbacks/${id}/live`, "viewer"],
    ["POST", (id) => `/api/v1/rollbacks/${id}/resume`, "operator"],
    ["POST", (id) => `/api/v1/rollbacks/${id}/cancel`, "operator"],
    ["POST", (id) => `/api/v1/rollbacks/${id}/approve`, "approver", { planHash: "abcdef" }],
  ];
  it.each(routes)("%s %s", async (method, path, role, body) => {
    for (const id of ODD_IDS) {
      const r = await server.call(method, path(id), { token: role, ...(body ? { body } : {}) });
      expectCleanRefusal(r, `${method} ${path(id).slice(0, 80)}`);
    }
    await nothingChanged();
  });
});

describe("attack: long ids", () => {
  it("an id of the schema's 200 characters reaches the route (404); one longer is a clean 400 or 414", async () => {
    const ok = await server.call("GET", `/api/v1/rollbacks/${"é".repeat(200)}`, { token: "viewer" });
    expect(ok.status, ok.text).toBe(404);
    expect(ok.json.error.code).toBe("ROLLBACK_NOT_FOUND");
    for (const n of [201, 5000]) {
      const r = await server.call("GET", `/api/v1/rollbacks/${"x".repeat(n)}`, { token: "viewer" });
      expectCleanRefusal(r, `an id of ${n} characters`);
      expect(r.text.length, "the answer does not echo the whole path").toBeLessThan(1000);
    }
  });
});

describe("attack: bad query values", () => {
  const queries = [
    "/api/v1/rollbacks?limit=-1",
    "/api/v1/rollbacks?limit=NaN",
    "/api/v1/rollbacks?limit=1e309",
    "/api/v1/rollbacks?limit=1.5",
    "/api/v1/rollbacks?limit=",
    "/api/v1/rollbacks?limit=1&limit=2",
    "/api/v1/rollbacks?role=operator",
    "/api/v1/rollbacks/r-none/report?format=pdf",
    "/api/v1/rollbacks/r-none/report?format=",
    "/api/v1/events?after=-1",
    "/api/v1/events?after=abc",
    "/api/v1/events?after=1e400",
    "/api/v1/events?rollback=",
    "/api/v1/events?bogus=1",
  ];
  it.each(queries)("%s", async (path) => {
    const r = await server.call("GET", path, { token: "operator" });
    expectCleanRefusal(r, path);
  });

  it("a plan query with unknown fields, huge lists or an unknown checkpoint", async () => {
    for (const path of [
      "/api/v1/plan?force=1",
      `/api/v1/plan?only=${"a,".repeat(6000)}`,
      "/api/v1/plan?to=%00",
      "/api/v1/plan?to=..%2F..",
      "/api/v1/plan?only=nope",
    ]) {
      expectCleanRefusal(await server.call("GET", path, { token: "operator" }), path);
    }
    await nothingChanged();
  });
});

describe("attack: POST bodies", () => {
  const posts: [string, string][] = [
    ["/api/v1/rollbacks", "operator"],
    ["/api/v1/checkpoints", "operator"],
    ["/api/v1/rollbacks/r-none/approve", "approver"],
    ["/api/v1/rollbacks/r-none/resume", "operator"],
    ["/api/v1/rollbacks/r-none/cancel", "operator"],
  ];
  const bodies: [string, { raw?: string; body?: unknown; headers?: Record<string, string> }][] = [
    ["JSON null", { raw: "null", headers: { "content-type": "application/json" } }],
    ["a JSON array", { body: [] }],
    ["a JSON string", { body: "x" }],
    ["a JSON number", { body: 1 }],
    ["text/plain", { raw: "{}", headers: { "content-type": "text/plain" } }],
    ["no content type, a body", { raw: "{}" }],
    ["an unknown field", { body: { bogus: 1 } }],
    ["a __proto__ field", { raw: '{"__proto__":{"x":1}}', headers: { "content-type": "application/json" } }],
    ["wrong types", { body: { to: 1, only: "a", name: 5, good: "yes", planHash: 7 } }],
    ["a huge string", { body: { to: "x".repeat(1800) } }],
    [
      "an oversize body",
      { raw: `{"to":"${"x".repeat(5000)}"}`, headers: { "content-type": "application/json" } },
    ],
    ["invalid UTF-8", { raw: '{"to":"\udc00"}', headers: { "content-type": "application/json" } }],
  ];
  it.each(posts)("%s", async (path, role) => {
    for (const [what, o] of bodies) {
      const r = await server.call("POST", path, { token: role, ...o });
      expectCleanRefusal(r, `${path} with ${what}`);
    }
    await nothingChanged();
  });

  it("a chunked body over bodyLimit is a 413 in the error shape", async () => {
    // Raw HTTP/1.1, written at once: fetch reports the server's early answer as EPIPE.
    const body = `{"to":"${"x".repeat(10_000)}"}`;
    const chunks = body.match(/[^]{1,512}/g) ?? [];
    const { port } = new URL(server.url);
    const head = `POST /api/v1/rollbacks HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${TOKENS.operator}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n`;
    const raw = await new Promise<string>((resolve, reject) => {
      let got = "";
      const sock = connect(Number(port), "127.0.0.1", () => {
        sock.write(head + chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join("") + "0\r\n\r\n");
      });
      sock.on("data", (d: Buffer) => (got += d.toString()));
      sock.on("close", () => resolve(got));
      sock.on("error", (e) => (got ? resolve(got) : reject(e)));
    });
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1]);
    const text = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    expect(status, raw).toBe(413);
    expectCleanRefusal({ status, text, json: JSON.parse(text) as { error?: unknown } }, "chunked");
    await nothingChanged();
  });
});

describe("attack: Last-Event-ID", () => {
  async function firstBytes(
    headers: Record<string, string>,
    query = "",
  ): Promise<{ status: number; text: string }> {
    const ac = new AbortController();
    const res = await fetch(`${server.url}/api/v1/events${query}`, {
      headers: { authorization: `Bearer ${TOKENS.viewer}`, ...headers },
      signal: ac.signal,
    });
    if (res.status !== 200) return { status: res.status, text: await res.text() };
    const reader = res.body?.getReader();
    const chunk = await reader?.read();
    ac.abort();
    return { status: 200, text: new TextDecoder().decode(chunk?.value) };
  }

  it("garbage, negative or beyond this store's feed is a clean 400, not a stream that silently skips", async () => {
    for (const id of [
      "garbage",
      "-5",
      "1.5",
      "99999999",
      "1e3",
      "0x10",
      String(Number.MAX_SAFE_INTEGER + 10),
    ]) {
      const r = await firstBytes({ "last-event-id": id });
      expect(r.status, `Last-Event-ID ${id}: ${r.text}`).toBe(400);
      const json = JSON.parse(r.text) as { error?: unknown };
      expectCleanRefusal({ ...r, json }, `Last-Event-ID ${id}`);
    }
    const beyond = await firstBytes({}, "?after=99999999");
    expect(beyond.status, beyond.text).toBe(400);
  });

  it("an empty Last-Event-ID (what a client sends before any event) and 0 are accepted", async () => {
    expect((await firstBytes({ "last-event-id": "" })).status).toBe(200);
    expect((await firstBytes({ "last-event-id": "0" })).status).toBe(200);
  });
});
