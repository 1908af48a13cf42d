import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nginxProvider } from "../../../src/providers/nginx/index.js";
import { contextFor } from "../context.js";
import { expectBackoutError } from "../fixtures.js";
import { type Edge, fetchOnce, planSteps, type Pools, startEdge, startPools } from "./nginx-fixture.js";

describe("nginx provider against a real nginx: a configuration nginx refuses", () => {
  let pools: Pools;
  let edge: Edge;
  beforeAll(async () => {
    pools = await startPools();
  });
  afterAll(async () => {
    await pools.close();
  });
  beforeEach(async () => {
    edge = await startEdge(pools, "green");
  });
  afterEach(async () => {
    await edge.stop();
  });

  it("fails -t with nginx's own words, restores the include, and the old configuration keeps serving", async () => {
    const ctx = contextFor(nginxProvider, {
      name: "edge",
      baseDir: edge.nginx.dir,
      // A port nginx rejects: passes backout's syntax check, fails `nginx -t`.
      settings: {
        ...edge.settings,
        pools: { ...(edge.settings.pools as object), broken: ["127.0.0.1:99999"] },
      },
    });
    const before = readFileSync(edge.includePath, "utf8");
    const [step] = await planSteps(ctx, { version: "green" }, { version: "broken" });
    if (step === undefined) throw new Error("expected a step");

    const err = await expectBackoutError(nginxProvider.apply(ctx, step), "PROVIDER_FAILED");
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('invalid port in upstream "127.0.0.1:99999"');
    expect(err.message).toContain("previous include restored");
    expect(err.hint).toContain("keeps serving the old configuration");
    expect(err.where).toEqual({ component: "edge", step: step.id });

    expect(readFileSync(edge.includePath, "utf8")).toBe(before);
    for (let i = 0; i < 5; i++) {
      expect(await fetchOnce(edge.nginx.url())).toEqual({ status: 200, body: "green", pool: "green" });
    }
    expect(await nginxProvider.verify(ctx, step)).toBe(false);
    expect((await nginxProvider.capture(ctx)).version).toBe("green");
  });

  it("reports a reload that cannot reach the master (nginx stopped) as retryable and restores the include", async () => {
    const before = readFileSync(edge.includePath, "utf8");
    const [step] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    if (step === undefined) throw new Error("expected a step");
    await edge.nginx.halt();
    const err = await expectBackoutError(nginxProvider.apply(edge.ctx, step), "PROVIDER_FAILED");
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("nginx -s reload failed");
    expect(err.hint).toContain("running");
    expect(readFileSync(edge.includePath, "utf8")).toBe(before);
  });

  it("fails with a probe error (retryable) when nginx serves but the pool does not answer", async () => {
    const ctx = contextFor(nginxProvider, {
      name: "edge",
      baseDir: edge.nginx.dir,
      settings: {
        ...edge.settings,
        // Nothing listens on port 1: nginx accepts the config, then answers 502.
        pools: { ...(edge.settings.pools as object), dead: ["127.0.0.1:1"] },
        probe: { url: edge.nginx.url(), poolHeader: "X-Backout-Pool", retries: 2, interval: 0.05 },
      },
    });
    const [step] = await planSteps(ctx, { version: "green" }, { version: "dead" });
    if (step === undefined) throw new Error("expected a step");
    const err = await expectBackoutError(nginxProvider.apply(ctx, step), "HEALTH_CHECK_FAILED");
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("status 502");
    expect((await fetchOnce(edge.nginx.url())).status).toBe(502);
  });
});
