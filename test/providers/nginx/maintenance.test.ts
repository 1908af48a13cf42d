import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nginxProvider } from "../../../src/providers/nginx/index.js";
import { contextFor } from "../context.js";
import { type Edge, fetchOnce, planSteps, type Pools, startEdge, startPools } from "./nginx-fixture.js";

describe("nginx provider against a real nginx: maintenance", () => {
  let pools: Pools;
  let edge: Edge;
  beforeAll(async () => {
    pools = await startPools();
  });
  afterAll(async () => {
    await pools.close();
  });
  beforeEach(async () => {
    edge = await startEdge(pools, "green", { pauseDuringRollback: true });
  });
  afterEach(async () => {
    await edge.stop();
  });

  it("wraps the rollback: 503 between enter-maintenance (pre) and leave-maintenance (post), then the target pool", async () => {
    const steps = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    expect(steps.map((s) => [s.action, s.phase])).toEqual([
      ["enter-maintenance", "pre"],
      ["leave-maintenance", "post"],
    ]);
    const [enter, leave] = steps;
    if (enter === undefined || leave === undefined) throw new Error("expected two steps");

    await nginxProvider.apply(edge.ctx, enter);
    for (let i = 0; i < 3; i++) {
      const answer = await fetchOnce(edge.nginx.url("/anything"));
      expect(answer.status).toBe(503);
      expect(answer.pool).toBe("green");
    }
    expect(await nginxProvider.verify(edge.ctx, enter)).toBe(true);
    expect(await nginxProvider.verify(edge.ctx, leave)).toBe(false);
    const during = await nginxProvider.capture(edge.ctx);
    expect(during).toMatchObject({ version: "green", details: { maintenance: true } });

    await nginxProvider.apply(edge.ctx, leave);
    expect(await fetchOnce(edge.nginx.url())).toEqual({ status: 200, body: "blue", pool: "blue" });
    expect(await nginxProvider.verify(edge.ctx, leave)).toBe(true);
    expect(await nginxProvider.verify(edge.ctx, enter)).toBe(false);
    const after = await nginxProvider.capture(edge.ctx);
    expect(after).toMatchObject({ version: "blue", details: { maintenance: false } });
  });

  it("leaves a maintenance an emergency procedure left on, when the checkpoint had it off", async () => {
    const [enter] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    if (enter === undefined) throw new Error("expected a step");
    await nginxProvider.apply(edge.ctx, enter);
    const current = await nginxProvider.capture(edge.ctx);
    const steps = await planSteps(edge.ctx, current, { version: "green", details: { maintenance: false } });
    expect(steps.map((s) => [s.action, s.phase])).toEqual([["leave-maintenance", "post"]]);
    const [leave] = steps;
    if (leave === undefined) throw new Error("expected a step");
    await nginxProvider.apply(edge.ctx, leave);
    expect(await fetchOnce(edge.nginx.url())).toEqual({ status: 200, body: "green", pool: "green" });
  });

  it("verify is false when the endpoint does not answer as the state expects", async () => {
    const [enter] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    if (enter === undefined) throw new Error("expected a step");
    await nginxProvider.apply(edge.ctx, enter);
    // Same include, but the probe now expects another maintenance status: not reached.
    const other = contextFor(nginxProvider, {
      name: "edge",
      baseDir: edge.nginx.dir,
      settings: { ...edge.settings, probe: { url: edge.nginx.url(), maintenanceStatus: 502 } },
    });
    expect(await nginxProvider.verify(other, enter)).toBe(false);
  });
});
