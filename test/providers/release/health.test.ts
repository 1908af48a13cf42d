import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { releaseProvider } from "../../../src/providers/release/index.js";
import { contextFor } from "../context.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { makeReleases, stepTo } from "./layout-fixture.js";

/** A real HTTP server whose /health answers with whatever `statuses` says next (the last one repeats). */
async function healthServer(
  statuses: number[],
): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((req, res) => {
    const status = statuses[Math.min(hits, statuses.length - 1)] ?? 200;
    hits++;
    res.writeHead(status, { "content-type": "text/plain" }).end(`status ${status}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/health`, hits: () => hits, server };
}

describe("release provider: health check", () => {
  let dir: string;
  let server: Server | undefined;
  beforeEach(() => {
    dir = tempDir();
    makeReleases(join(dir, "app"), ["r1", "r2"]);
  });
  afterEach(async () => {
    if (server) await new Promise((r) => server?.close(r));
    server = undefined;
  });

  function ctxWith(url: string, extra: Record<string, unknown> = {}) {
    return contextFor(releaseProvider, {
      name: "api",
      baseDir: dir,
      settings: { path: "app", health: { http: url, retries: 2, interval: 0.02, timeout: 2, ...extra } },
    });
  }

  it("passes when the endpoint answers the expected status", async () => {
    const s = await healthServer([200]);
    server = s.server;
    const ctx = ctxWith(s.url);
    const step = await stepTo(ctx, "r2", "r1");
    const result = await releaseProvider.apply(ctx, step);
    expect(result.output).toContain("healthy");
    expect(s.hits()).toBe(1);
    expect(await releaseProvider.verify(ctx, step)).toBe(true);
  });

  it("retries until the endpoint becomes healthy", async () => {
    const s = await healthServer([503, 503, 200]);
    server = s.server;
    const ctx = ctxWith(s.url);
    await releaseProvider.apply(ctx, await stepTo(ctx, "r2", "r1"));
    expect(s.hits()).toBe(3);
  });

  it("honours expectStatus", async () => {
    const s = await healthServer([204]);
    server = s.server;
    const ctx = ctxWith(s.url, { expectStatus: 204 });
    const result = await releaseProvider.apply(ctx, await stepTo(ctx, "r2", "r1"));
    expect(result.output).toContain("healthy");
    expect(s.hits()).toBe(1);
    // The same 204 is a failure when 200 (the default) is expected: the setting is what passed.
    const strict = ctxWith(s.url);
    const e = await expectBackoutError(
      releaseProvider.apply(strict, await stepTo(strict, "r1", "r2")),
      "HEALTH_CHECK_FAILED",
    );
    expect(e.message).toContain("status 204");
  });

  it("fails with a retryable HEALTH_CHECK_FAILED naming the URL and the last status", async () => {
    const s = await healthServer([503]);
    server = s.server;
    const ctx = ctxWith(s.url);
    const step = await stepTo(ctx, "r2", "r1");
    const e = await expectBackoutError(releaseProvider.apply(ctx, step), "HEALTH_CHECK_FAILED");
    expect(e.retryable).toBe(true);
    expect(e.message).toContain(s.url);
    expect(e.message).toContain("status 503");
    expect(e.where).toEqual({ component: "api", step: step.id });
    expect(s.hits()).toBe(3);

    // The swap is recorded as unconfirmed, so verify answers false without probing.
    expect(await releaseProvider.verify(ctx, step)).toBe(false);
    expect(s.hits()).toBe(3);
  });

  it("names the connection error when nothing listens", async () => {
    const s = await healthServer([200]);
    await new Promise((r) => s.server.close(r));
    const ctx = ctxWith(s.url, { retries: 0 });
    const e = await expectBackoutError(
      releaseProvider.apply(ctx, await stepTo(ctx, "r2", "r1")),
      "HEALTH_CHECK_FAILED",
    );
    expect(e.message).toContain(s.url);
    expect(e.message).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it("supports a command probe", async () => {
    const probe = (code: number) =>
      contextFor(releaseProvider, {
        baseDir: dir,
        settings: {
          path: "app",
          health: { command: [process.execPath, "-e", `process.exit(${code})`], retries: 1, interval: 0.01 },
        },
      });
    const ok = probe(0);
    await releaseProvider.apply(ok, await stepTo(ok, "r2", "r1"));
    const bad = probe(7);
    const e = await expectBackoutError(
      releaseProvider.apply(bad, await stepTo(bad, "r2", "r1")),
      "HEALTH_CHECK_FAILED",
    );
    expect(e.message).toContain("exited with 7");
  });
});
