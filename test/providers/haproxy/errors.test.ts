import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/core/clock.js";
import { haproxyProvider } from "../../../src/providers/haproxy/index.js";
import { type HaproxyService, startHaproxy } from "../../support/haproxy.js";
import { until } from "../../support/until.js";
import { expectBackoutError } from "../fixtures.js";
import { haCtx, planTo, stateWith } from "./helpers.js";

let ha: HaproxyService;
beforeAll(async () => {
  // A static algorithm: HAProxy refuses weights other than 0% and 100% at runtime.
  ha = await startHaproxy({ servers: ["web1", "web2"], balance: "source" });
});
afterAll(async () => {
  await ha?.stop();
});

describe("haproxy errors", () => {
  it("a wrong socket path says so and how to configure the socket", async () => {
    const ctx = haCtx(ha, { socket: join(ha.dir, "missing.sock") });
    const e = await expectBackoutError(haproxyProvider.capture(ctx), "PROVIDER_FAILED");
    expect(e.message).toContain(`no socket at ${join(ha.dir, "missing.sock")}`);
    expect(e.hint).toContain("stats socket");
    expect(e.hint).toContain("level admin");
    expect(e.where?.component).toBe("lb");
    expect(e.retryable).toBe(false);
  });

  it("a socket that is not admin-level reads but cannot change, with the level hint", async () => {
    const ctx = haCtx(ha, { socket: ha.userSocket });
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/100,web2=ready/100");
    const [step] = await planTo(
      ctx,
      stateWith({ web1: { state: "ready", weight: 100 }, web2: { state: "maint", weight: 100 } }),
    );
    if (!step) throw new Error("expected a step");
    const e = await expectBackoutError(haproxyProvider.apply(ctx, step), "PROVIDER_FAILED");
    expect(e.message).toContain("permission denied");
    expect(e.hint).toContain("level admin");
    expect(e.where?.step).toBe(step.id);
    expect((await haproxyProvider.capture(haCtx(ha))).version).toBe("web1=ready/100,web2=ready/100");
  });

  it("an unknown server in the checkpoint is PLAN_INVALID naming it", async () => {
    const ctx = haCtx(ha);
    const e = await expectBackoutError(
      planTo(
        ctx,
        stateWith({ web1: { state: "ready", weight: 100 }, web3: { state: "maint", weight: 100 } }),
      ),
      "PLAN_INVALID",
    );
    expect(e.message).toContain('"web3"');
  });

  it("HAProxy's refusal of a change is reported in its own words, and nothing reads back as done", async () => {
    const ctx = haCtx(ha);
    const [step] = await planTo(
      ctx,
      stateWith({ web1: { state: "ready", weight: 100 }, web2: { state: "ready", weight: 50 } }),
    );
    if (!step) throw new Error("expected a step");
    const e = await expectBackoutError(haproxyProvider.apply(ctx, step), "PROVIDER_FAILED");
    expect(e.message).toContain('HAProxy refused "set server app/web2 weight 50"');
    expect(e.message).toContain("static LB algorithm");
    expect(e.retryable).toBe(false);
    expect(await haproxyProvider.verify(ctx, step)).toBe(false);
  });

  it("a server removed since planning fails apply clearly", async () => {
    const ctx = haCtx(ha);
    const [step] = await planTo(
      ctx,
      stateWith({ web1: { state: "ready", weight: 100 }, web2: { state: "maint", weight: 100 } }),
    );
    if (!step) throw new Error("expected a step");
    const edited = {
      ...step,
      params: { backend: "app", servers: { web9: { state: "maint", weight: 100 } } },
    };
    const e = await expectBackoutError(haproxyProvider.apply(ctx, edited), "PROVIDER_FAILED");
    expect(e.message).toContain("no longer has server(s) web9");
    expect(e.hint).toContain("new plan");
  });

  it("rejects names that could smuggle a second command", () => {
    expect(() => haCtx(ha, { backend: "app;shutdown sessions" })).toThrow(/HAProxy names/);
    expect(() => haCtx(ha, { servers: ["web1\nset server app/web2 state maint"] })).toThrow(/HAProxy names/);
  });
});

describe("haproxy runtime API on the engine's Clock", () => {
  /** HAProxy stopped (SIGSTOP): its socket still accepts the command, nothing answers it. */
  async function whileStopped(run: () => Promise<void>): Promise<void> {
    process.kill(ha.pid(), "SIGSTOP");
    try {
      await run();
    } finally {
      process.kill(ha.pid(), "SIGCONT");
    }
  }

  it("an answer leaves nothing waiting on the clock", async () => {
    const clock = new ManualClock();
    const ctx = haCtx(ha, { timeout: "1h" }, { clock });
    expect((await haproxyProvider.capture(ctx)).version).toBe("web1=ready/100,web2=ready/100");
    expect(clock.pendingSleepers).toBe(0);
  });

  it("a HAProxy that does not answer fails once the clock passes `timeout`, retryable", async () => {
    const clock = new ManualClock();
    const ctx = haCtx(ha, { timeout: "1h" }, { clock });
    await whileStopped(async () => {
      const capture = haproxyProvider.capture(ctx);
      await until("the command to wait on the clock", () => clock.pendingSleepers === 1);
      clock.advance(3_600_000);
      const e = await expectBackoutError(capture, "PROVIDER_FAILED");
      expect(e.message).toBe(
        `HAProxy did not answer "show servers state app" within 3600000 ms on ${ha.socket}`,
      );
      expect(e.retryable).toBe(true);
    });
  });

  it("a cancel while HAProxy does not answer is STEP_CANCELLED, not a timeout", async () => {
    const clock = new ManualClock();
    const cancel = new AbortController();
    const ctx = haCtx(ha, { timeout: "1h" }, { clock, signal: cancel.signal });
    await whileStopped(async () => {
      const capture = haproxyProvider.capture(ctx);
      await until("the command to wait on the clock", () => clock.pendingSleepers === 1);
      cancel.abort();
      const e = await expectBackoutError(capture, "STEP_CANCELLED");
      expect(e.message).toBe('cancelled during "show servers state app"');
      expect(clock.pendingSleepers).toBe(0);
    });
  });
});
