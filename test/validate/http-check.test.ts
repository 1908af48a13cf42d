import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck } from "../../src/validate/run-check.js";
import { until } from "../support/until.js";
import { closedPort, plain, spec, startTestServer, timeOutOnClock, type TestServer } from "./servers.js";

describe("http check against a real server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it("passes on the expected status and reports the latency", async () => {
    const r = await runCheck(spec({ http: `${server.url}/ok`, retries: 0 }), plain);
    expect(r).toMatchObject({ kind: "http", status: "pass", name: `http GET ${server.url}/ok` });
    expect(r.detail).toMatch(/^answered 200 in \d+ms$/);
    expect(r.value).toBeGreaterThanOrEqual(0);
  });

  it("fails on another status, showing what the service said", async () => {
    const r = await runCheck(spec({ http: `${server.url}/down`, retries: 0 }), plain);
    expect(r.status).toBe("fail");
    expect(r.detail).toMatch(/answered 503 in \d+ms, expected 200; body: "maintenance until later"/);
  });

  it("passes when the expected status is not 200", async () => {
    const down = await runCheck(spec({ http: `${server.url}/down`, expectStatus: 503, retries: 0 }), plain);
    expect(down.status).toBe("pass");
    // A 3xx is judged as such, not followed, when it is what the check expects.
    const moved = await runCheck(
      spec({ http: `${server.url}/redirect`, expectStatus: 302, retries: 0 }),
      plain,
    );
    expect(moved.status).toBe("pass");
    const followed = await runCheck(spec({ http: `${server.url}/redirect`, retries: 0 }), plain);
    expect(followed.status).toBe("pass");
  });

  it("judges the body with bodyMatch", async () => {
    const ok = await runCheck(
      spec({ http: `${server.url}/ok`, bodyMatch: '"status":\\s*"ok"', retries: 0 }),
      plain,
    );
    expect(ok.status).toBe("pass");
    const bad = await runCheck(spec({ http: `${server.url}/ok`, bodyMatch: "healthy", retries: 0 }), plain);
    expect(bad.status).toBe("fail");
    expect(bad.detail).toContain('the body does not match /healthy/; body: "{"status":"ok"}"');
  });

  it("fails an answer slower than maxLatency and passes a quick one", async () => {
    const slow = await runCheck(
      spec({ http: `${server.url}/slow?ms=400`, maxLatency: "150ms", retries: 0 }),
      plain,
    );
    expect(slow.status).toBe("fail");
    expect(slow.detail).toMatch(/answered 200 in \d+ms, slower than maxLatency 150ms/);
    expect(slow.value).toBeGreaterThanOrEqual(400);
    const quick = await runCheck(
      spec({ http: `${server.url}/slow?ms=10`, maxLatency: "2s", retries: 0 }),
      plain,
    );
    expect(quick.status).toBe("pass");
  });

  it("fails when the service does not answer within the timeout (on the clock), and drops the request", async () => {
    const before = server.hits("/hang");
    // /hang never answers: only the clock's timeout can end the request.
    const r = await timeOutOnClock(
      { http: `${server.url}/hang`, timeout: "30s" },
      () => server.hits("/hang") === before + 1,
    );
    expect(r.status).toBe("fail");
    expect(r.detail).toContain("no complete answer within 30s (timeout)");
    await until("the abandoned request's connection closed", () => server.inFlight() === 0);
  });

  it("fails when nothing listens on the port", async () => {
    const port = await closedPort();
    const r = await runCheck(spec({ http: `http://127.0.0.1:${port}/health`, retries: 0 }), plain);
    expect(r.status).toBe("fail");
    expect(r.detail).toContain("connection refused");
  });

  it("is an error, not a failure, when the host name does not resolve", async () => {
    const r = await runCheck(
      spec({ http: "http://no-such-host.invalid/health", timeout: "3s", retries: 0 }),
      plain,
    );
    expect(r.status).toBe("error");
    expect(r.detail).toContain("check the host name");
  });

  it("sends credentials from the URL as basic auth and never shows them", async () => {
    const url = server.url.replace("http://", "http://user:sekrit-pass@");
    const r = await runCheck(spec({ http: `${url}/auth`, retries: 0 }), plain);
    expect(r.status).toBe("pass");
    expect(r.name).toBe(`http GET ${server.url.replace("http://", "http://***@")}/auth`);
    expect(JSON.stringify(r)).not.toContain("sekrit");
  });

  it("passes the name and the detail through redact", async () => {
    const redact = (s: string) => s.replaceAll("maintenance", "***");
    const r = await runCheck(spec({ name: "maintenance page", http: `${server.url}/down`, retries: 0 }), {
      redact,
    });
    expect(r.name).toBe("*** page");
    expect(r.detail).not.toContain("maintenance");
  });
});
