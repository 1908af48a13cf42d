import { wrapHaproxy } from "../../../src/providers/haproxy/plan.js";
import { beforeEach, describe, expect, it } from "vitest";
import { haproxyProvider } from "../../../src/providers/haproxy/index.js";
import { useHaproxy } from "../../support/haproxy.js";
import { expectBackoutError } from "../fixtures.js";
import { haCtx, resetServers, stateWith } from "./helpers.js";

const ha = useHaproxy();
beforeEach(async () => {
  await resetServers(ha);
});

const ready = { state: "ready", weight: 100 } as const;

describe("haproxy capture", () => {
  it("reads every server's state and weight from the runtime API", async () => {
    await ha.command("set server app/web2 state maint");
    await ha.command("set server app/web3 state drain");
    await ha.command("set server app/web1 weight 40");
    const state = await haproxyProvider.capture(haCtx(ha));
    expect(state.version).toBe("web1=ready/40,web2=maint/100,web3=drain/100");
    expect(state.details).toEqual({
      backend: "app",
      servers: {
        web1: { state: "ready", weight: 40 },
        web2: { state: "maint", weight: 100 },
        web3: { state: "drain", weight: 100 },
      },
    });
  });

  it("captures only the servers listed in `servers`", async () => {
    const state = await haproxyProvider.capture(haCtx(ha, { servers: ["web3", "web1"] }));
    expect(state.version).toBe("web1=ready/100,web3=ready/100");
  });

  it("refuses a `servers` entry the backend does not have", async () => {
    const e = await expectBackoutError(
      haproxyProvider.capture(haCtx(ha, { servers: ["web1", "web9"] })),
      "CONFIG_INVALID",
    );
    expect(e.message).toContain('"web9"');
    expect(e.hint).toContain("web1, web2, web3");
  });

  it("names the existing backends when `backend` is wrong", async () => {
    const e = await expectBackoutError(
      haproxyProvider.capture(haCtx(ha, { backend: "nope" })),
      "CONFIG_INVALID",
    );
    expect(e.message).toContain('no backend "nope"');
    expect(e.hint).toContain("app");
  });
});

describe("haproxy plan", () => {
  const ctx = () => haCtx(ha);
  const current = stateWith({ web1: ready, web2: { state: "maint", weight: 0 }, web3: ready });

  it("plans nothing when the servers already match", async () => {
    expect(await haproxyProvider.plan(ctx(), current, current)).toEqual([]);
  });

  it("brings servers back to ready in one post step", async () => {
    const target = stateWith({ web1: ready, web2: ready, web3: ready });
    const steps = await haproxyProvider.plan(ctx(), current, target);
    expect(steps.map((s) => [s.action, s.phase])).toEqual([["set-servers", "post"]]);
    expect(steps[0]?.params).toEqual({ backend: "app", servers: { web1: ready, web2: ready, web3: ready } });
    expect(steps[0]?.target.version).toBe("web1=ready/100,web2=ready/100,web3=ready/100");
    expect(steps[0]?.risk.dataLoss).toBe(false);
    expect(steps[0]?.description).toContain("web2 maint→ready weight 0→100");
  });

  it("takes servers out in a pre step and restores weights in the post step", async () => {
    const target = stateWith({
      web1: { state: "drain", weight: 100 },
      web2: { state: "maint", weight: 0 },
      web3: { state: "ready", weight: 50 },
    });
    const steps = await haproxyProvider.plan(ctx(), current, target);
    expect(steps.map((s) => [s.action, s.phase])).toEqual([
      ["drain-servers", "pre"],
      ["set-servers", "post"],
    ]);
    expect(steps[0]?.params).toEqual({ backend: "app", servers: { web1: { state: "drain", weight: 100 } } });
    expect(steps[0]?.target.version).toBe("web1=drain/100,web2=maint/0,web3=ready/100");
    expect(steps[1]?.target.version).toBe("web1=drain/100,web2=maint/0,web3=ready/50");
  });

  it("drains drainDuringRollback servers first and restores them last", async () => {
    const c = haCtx(ha, { drainDuringRollback: ["web1", "web2"] });
    const steps = await wrapHaproxy(c, current);
    expect(steps.map((s) => [s.action, s.phase])).toEqual([
      ["drain-servers", "pre"],
      ["set-servers", "post"],
    ]);
    // web2 is in maint: draining it would bring it back into a (draining) rotation.
    expect(steps[0]?.params).toEqual({ backend: "app", servers: { web1: { state: "drain", weight: 100 } } });
    expect(steps[0]?.risk.summary).toContain("1 managed server(s) stay ready");
    expect(steps[1]?.params).toEqual({
      backend: "app",
      servers: { web1: ready, web2: { state: "maint", weight: 0 }, web3: ready },
    });
  });

  it("warns when the pre step leaves no ready server", async () => {
    const c = haCtx(ha, { drainDuringRollback: ["web1", "web3"] });
    const steps = await wrapHaproxy(c, current);
    expect(steps[0]?.risk.summary).toContain("serves nothing until the post step");
  });

  it("refuses a checkpoint naming a server the backend no longer has (PLAN_INVALID)", async () => {
    const target = stateWith({ web1: ready, web7: ready, web8: ready });
    const e = await expectBackoutError(haproxyProvider.plan(ctx(), current, target), "PLAN_INVALID");
    expect(e.message).toContain('"web7", "web8"');
    expect(e.where?.component).toBe("lb");
    expect(e.hint).toContain("web1, web2, web3");
  });

  it("refuses an unknown drainDuringRollback server", async () => {
    const c = haCtx(ha, { drainDuringRollback: ["ghost"] });
    const e = await expectBackoutError(wrapHaproxy(c, current), "PLAN_INVALID");
    expect(e.message).toContain('"ghost"');
  });

  it("reads a checkpoint that kept only the version text", async () => {
    const steps = await haproxyProvider.plan(ctx(), current, {
      version: "web1=ready/100,web2=ready/7,web3=ready/100",
    });
    expect(steps[0]?.params).toMatchObject({ servers: { web2: { state: "ready", weight: 7 } } });
    await expectBackoutError(haproxyProvider.plan(ctx(), current, { version: "v1.2.3" }), "PLAN_INVALID");
  });
});
