import { existsSync, readFileSync, rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { haproxyProvider } from "../../../src/providers/haproxy/index.js";
import { useHaproxy } from "../../support/haproxy.js";
import { applyAll, haCtx, planTo, stateWith } from "./helpers.js";

const ha = useHaproxy();

const target = stateWith({
  web1: { state: "ready", weight: 30 },
  web2: { state: "maint", weight: 100 },
  web3: { state: "drain", weight: 100 },
});

// Sequential on purpose: the first test shows a reload forgets runtime changes, the next that the state file keeps them.
describe("haproxy persistence across reloads", () => {
  it("without stateFile, a reload brings back the configuration's states", async () => {
    const ctx = haCtx(ha);
    await applyAll(ctx, await planTo(ctx, target));
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/30,web2=maint/100,web3=drain/100");
    const before = ha.pid();
    await ha.reload();
    expect(ha.pid()).not.toBe(before);
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/100,web2=ready/100,web3=ready/100");
  });

  it("with stateFile, the states and weights survive a reload (-sf)", async () => {
    const ctx = haCtx(ha, { stateFile: "state" }); // relative: to the environment file's directory
    const steps = await planTo(ctx, target);
    await applyAll(ctx, steps);
    const saved = readFileSync(ha.stateFile, "utf8");
    expect(saved.startsWith("1\n# be_id be_name")).toBe(true);
    expect(saved).toMatch(/ app \d+ web2 /);

    const before = ha.pid();
    await ha.reload();
    expect(ha.pid()).not.toBe(before);
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/30,web2=maint/100,web3=drain/100");
    for (const step of steps) expect(await haproxyProvider.verify(ctx, step)).toBe(true);
    const counts = await ha.spread(10);
    expect(counts).toEqual({ web1: 10 });
  });

  it("verify is false while the state file lags the runtime, and apply repairs it", async () => {
    const ctx = haCtx(ha, { stateFile: ha.stateFile });
    const steps = await planTo(
      ctx,
      stateWith({
        web1: { state: "ready", weight: 100 },
        web2: { state: "ready", weight: 100 },
        web3: { state: "ready", weight: 100 },
      }),
    );
    const last = steps.at(-1);
    if (!last) throw new Error("expected steps");
    await applyAll(ctx, steps);
    expect(await haproxyProvider.verify(ctx, last)).toBe(true);
    rmSync(ha.stateFile);
    expect(await haproxyProvider.verify(ctx, last)).toBe(false);
    await haproxyProvider.apply(ctx, last);
    expect(existsSync(ha.stateFile)).toBe(true);
    expect(await haproxyProvider.verify(ctx, last)).toBe(true);
  });
});
