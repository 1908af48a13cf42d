import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlannedStep } from "../../../src/core/model.js";
import { nginxProvider } from "../../../src/providers/nginx/index.js";
import { type Edge, fetchOnce, planSteps, type Pools, startEdge, startPools } from "./nginx-fixture.js";

const SWITCHES = 20;
const CLIENTS = 4;

interface Counts {
  ok: number;
  blue: number;
  green: number;
  otherStatus: number;
  errors: number;
  firstError: string | undefined;
}

/** Clients sending requests back to back (fresh connection each) until told to stop. */
async function clientLoop(url: string, counts: Counts, stop: () => boolean): Promise<void> {
  while (!stop()) {
    try {
      const a = await fetchOnce(url);
      if (a.status !== 200) counts.otherStatus++;
      else {
        counts.ok++;
        if (a.body === "blue") counts.blue++;
        if (a.body === "green") counts.green++;
      }
    } catch (e) {
      counts.errors++;
      counts.firstError ??= String(e);
    }
  }
}

describe("nginx provider against a real nginx: switching under load", () => {
  let pools: Pools;
  let edge: Edge;
  beforeAll(async () => {
    pools = await startPools();
    // Shorter probe spacing than the default keeps 20 switches well inside the test's time limit.
    edge = await startEdge(pools, "green", { probe: { interval: 0.1, retries: 50 } });
  });
  afterAll(async () => {
    await edge.stop();
    await pools.close();
  });

  it(`drops no request while ${SWITCHES} switches reload nginx`, async () => {
    const [toBlue] = await planSteps(edge.ctx, { version: "green" }, { version: "blue" });
    const [toGreen] = await planSteps(edge.ctx, { version: "blue" }, { version: "green" });
    if (toBlue === undefined || toGreen === undefined) throw new Error("expected steps");
    const counts: Counts = { ok: 0, blue: 0, green: 0, otherStatus: 0, errors: 0, firstError: undefined };
    let done = false;
    const clients = Array.from({ length: CLIENTS }, () => clientLoop(edge.nginx.url(), counts, () => done));
    const started = Date.now();
    try {
      for (let i = 0; i < SWITCHES; i++) {
        const step: PlannedStep = i % 2 === 0 ? toBlue : toGreen;
        await nginxProvider.apply(edge.ctx, step);
      }
    } finally {
      done = true;
      await Promise.all(clients);
    }
    const elapsed = Date.now() - started;
    console.info(
      `nginx: ${SWITCHES} switches in ${elapsed} ms under ${CLIENTS} clients: ${JSON.stringify(counts)}`,
    );
    expect(counts.errors, counts.firstError).toBe(0);
    expect(counts.otherStatus).toBe(0);
    // Both pools really served during the run, and the last switch (to green) holds.
    expect(counts.blue).toBeGreaterThan(0);
    expect(counts.green).toBeGreaterThan(0);
    expect(counts.ok).toBeGreaterThan(SWITCHES * 10);
    expect((await nginxProvider.capture(edge.ctx)).version).toBe("green");
    expect((await fetchOnce(edge.nginx.url())).body).toBe("green");
  });
});
