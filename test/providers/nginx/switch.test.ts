import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { includeTextFor } from "../../../src/providers/nginx/apply.js";
import { nginxProvider } from "../../../src/providers/nginx/index.js";
import { readSettings } from "../../../src/providers/nginx/settings.js";
import { type Edge, fetchOnce, planSteps, type Pools, startEdge, startPools } from "./nginx-fixture.js";

describe("nginx provider against a real nginx: switching pools", () => {
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

  it("captures the pool the include says, with servers, maintenance and a hash", async () => {
    const state = await nginxProvider.capture(edge.ctx);
    expect(state.version).toBe("green");
    expect(state.details).toMatchObject({
      maintenance: false,
      servers: [pools.addresses.green],
      upstream: "app_pool",
    });
    expect(state.details?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("switches green → blue: nginx serves blue afterwards and capture equals the target", async () => {
    expect((await fetchOnce(edge.nginx.url())).body).toBe("green");
    const [step, ...rest] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    expect(rest).toEqual([]);
    expect(step).toMatchObject({
      action: "switch-pool",
      phase: "pre",
      risk: { dataLoss: false },
      reversible: true,
    });
    if (step === undefined) throw new Error("expected a step");
    expect(await nginxProvider.verify(edge.ctx, step)).toBe(false);

    const result = await nginxProvider.apply(edge.ctx, step);
    expect(result.output).toContain("pool blue");
    for (let i = 0; i < 5; i++) {
      expect(await fetchOnce(edge.nginx.url())).toEqual({ status: 200, body: "blue", pool: "blue" });
    }
    expect(await nginxProvider.verify(edge.ctx, step)).toBe(true);
    const after = await nginxProvider.capture(edge.ctx);
    expect(after.version).toBe(step.target.version);
    expect(after.details).toMatchObject({ maintenance: false, servers: [pools.addresses.blue] });
  });

  it("is idempotent: a second apply leaves the same file and still serves the target", async () => {
    const [step] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    if (step === undefined) throw new Error("expected a step");
    await nginxProvider.apply(edge.ctx, step);
    const text = readFileSync(edge.includePath, "utf8");
    const again = await nginxProvider.apply(edge.ctx, step);
    expect(again.output).toContain("already at pool blue");
    expect(readFileSync(edge.includePath, "utf8")).toBe(text);
    expect((await fetchOnce(edge.nginx.url())).body).toBe("blue");
  });

  it("verify is false when the file says the target but nginx was never reloaded (crash between write and reload)", async () => {
    const [toBlue] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    const [toGreen] = await planSteps(edge.ctx, { version: "blue" }, { version: "green" });
    if (toBlue === undefined || toGreen === undefined) throw new Error("expected steps");
    await nginxProvider.apply(edge.ctx, toBlue);
    // Put the green text back by hand without reloading: the file says green, nginx serves blue.
    writeFileSync(
      edge.includePath,
      includeTextFor(edge.ctx, readSettings(edge.ctx), {
        pool: "green",
        servers: [pools.addresses.green],
        maintenance: false,
      }),
    );
    expect(await nginxProvider.verify(edge.ctx, toGreen)).toBe(false);
    await nginxProvider.apply(edge.ctx, toGreen);
    expect(await nginxProvider.verify(edge.ctx, toGreen)).toBe(true);
    expect((await fetchOnce(edge.nginx.url())).body).toBe("green");
  });
});
