import { beforeEach, describe, expect, it } from "vitest";
import { haproxyProvider } from "../../../src/providers/haproxy/index.js";
import { useHaproxy } from "../../support/haproxy.js";
import { applyAll, haCtx, planTo, resetServers, stateWith, wrapNow } from "./helpers.js";

const ha = useHaproxy();
beforeEach(async () => {
  await resetServers(ha);
});

const ready = { state: "ready", weight: 100 } as const;

describe("haproxy apply and verify", () => {
  it("sets states and weights, reads them back, and traffic follows", async () => {
    const ctx = haCtx(ha);
    const target = stateWith({
      web1: { state: "ready", weight: 50 },
      web2: { state: "maint", weight: 0 },
      web3: { state: "ready", weight: 150 },
    });
    const steps = await planTo(ctx, target);
    expect(steps.map((s) => s.phase)).toEqual(["pre", "post"]);
    for (const step of steps) expect(await haproxyProvider.verify(ctx, step)).toBe(false);

    await applyAll(ctx, steps);

    for (const step of steps) expect(await haproxyProvider.verify(ctx, step)).toBe(true);
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/50,web2=maint/0,web3=ready/150");
    // HAProxy's own view, not through the provider.
    expect(await ha.command("show servers state app")).toMatch(/ web2 \S+ \d+ 1 0 /);
    const counts = await ha.spread(30);
    expect(counts.web2).toBeUndefined();
    expect((counts.web1 ?? 0) + (counts.web3 ?? 0)).toBe(30);
    expect(counts.web3 ?? 0).toBeGreaterThan(2 * (counts.web1 ?? 0)); // 150:50
  });

  it("drains a server: no new requests reach it", async () => {
    const ctx = haCtx(ha);
    const steps = await planTo(
      ctx,
      stateWith({ web1: ready, web2: { state: "drain", weight: 100 }, web3: ready }),
    );
    expect(steps.map((s) => [s.action, s.phase])).toEqual([["drain-servers", "pre"]]);
    await applyAll(ctx, steps);
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/100,web2=drain/100,web3=ready/100");
    const counts = await ha.spread(30);
    expect(counts).toEqual({ web1: 15, web3: 15 });
  });

  it("is idempotent: a second apply sends nothing and still verifies", async () => {
    const ctx = haCtx(ha);
    const [step] = await planTo(
      ctx,
      stateWith({ web1: ready, web2: ready, web3: { state: "ready", weight: 10 } }),
    );
    if (!step) throw new Error("expected a step");
    const first = await haproxyProvider.apply(ctx, step);
    expect(first.output).toContain("app/web3: weight 100 → 10");
    const second = await haproxyProvider.apply(ctx, step);
    expect(second.output).toBe("app: already as planned");
    expect(await haproxyProvider.verify(ctx, step)).toBe(true);
  });

  it("verify turns false when someone changes a server behind backout's back", async () => {
    const ctx = haCtx(ha);
    const [step] = await planTo(
      ctx,
      stateWith({ web1: ready, web2: { state: "maint", weight: 100 }, web3: ready }),
    );
    if (!step) throw new Error("expected a step");
    await haproxyProvider.apply(ctx, step);
    expect(await haproxyProvider.verify(ctx, step)).toBe(true);
    await ha.command("set server app/web2 state ready");
    expect(await haproxyProvider.verify(ctx, step)).toBe(false);
    await haproxyProvider.apply(ctx, step);
    expect(await haproxyProvider.verify(ctx, step)).toBe(true);
  });

  it("wraps a rollback: drainDuringRollback servers get no traffic between pre and post", async () => {
    const ctx = haCtx(ha, { drainDuringRollback: ["web1"] });
    expect(await planTo(ctx, stateWith({ web1: ready, web2: ready, web3: ready }))).toEqual([]);
    const steps = await wrapNow(ctx);
    expect(steps.map((s) => [s.action, s.phase])).toEqual([
      ["drain-servers", "pre"],
      ["set-servers", "post"],
    ]);
    const [pre, post] = steps as [(typeof steps)[0], (typeof steps)[0]];
    await haproxyProvider.apply(ctx, pre);
    expect(await ha.spread(20)).toEqual({ web2: 10, web3: 10 });
    // ...the app's own steps would run here...
    await haproxyProvider.apply(ctx, post);
    expect(await haproxyProvider.verify(ctx, post)).toBe(true);
    const counts = await ha.spread(30);
    expect(counts).toEqual({ web1: 10, web2: 10, web3: 10 });
  });
});
