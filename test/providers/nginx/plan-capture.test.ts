import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { nginxProvider, nginxSettingsSchema } from "../../../src/providers/nginx/index.js";
import { parseInclude, renderInclude } from "../../../src/providers/nginx/include-file.js";
import { contextFor } from "../context.js";
import { expectBackoutError, tempDir } from "../fixtures.js";
import { planSteps } from "./nginx-fixture.js";

const base = {
  config: "nginx.conf",
  include: "backout.conf",
  upstream: "app_pool",
  pools: { blue: ["10.0.0.1:8080", "10.0.0.2:8080 weight=2"], green: ["10.0.1.1:8080"] },
  probe: { url: "http://127.0.0.1:1/" },
};

describe("nginx provider: settings, plan and capture (no nginx needed)", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("refuses settings that could inject configuration or are incomplete", () => {
    const bad = [
      { ...base, pools: { blue: ["10.0.0.1:80; } server { listen 80"] } },
      { ...base, pools: { blue: ["10.0.0.1:80\n"] } },
      { ...base, pools: { "blue pool": ["10.0.0.1:80"] } },
      { ...base, pools: { blue: [] } },
      { ...base, pools: {} },
      { ...base, upstream: "app; }" },
      { ...base, probe: undefined },
      { ...base, extra: true },
    ];
    for (const s of bad) expect(nginxSettingsSchema().safeParse(s).success, JSON.stringify(s)).toBe(false);
    const ok = nginxSettingsSchema().parse(base);
    expect(ok).toMatchObject({ pauseDuringRollback: false, variablePrefix: "backout", timeout: "30s" });
    expect(ok.probe).toMatchObject({ expectStatus: 200, maintenanceStatus: 503, confirmations: 3 });
  });

  it("renders an include it can parse back, whitespace changes tolerated", () => {
    const state = {
      upstream: "app_pool",
      pool: "blue",
      servers: ["10.0.0.1:8080", "10.0.0.2:8080 weight=2"],
      maintenance: true,
    };
    const text = renderInclude(state, { component: "edge", variablePrefix: "backout" });
    expect(parseInclude(text, "backout")).toEqual(state);
    expect(parseInclude(text.replaceAll("    ", "\t").replaceAll("\n", "\n\n"), "backout")).toEqual(state);
    expect(parseInclude(text, "other")).toBeUndefined();
    expect(parseInclude("upstream x { server a:1; }\n", "backout")).toBeUndefined();
  });

  it("plans one pre switch-pool step with the pool's servers and no data loss", async () => {
    const ctx = contextFor(nginxProvider, { name: "edge", baseDir: dir, settings: base });
    const steps = await planSteps(ctx, { version: "green" }, { version: "blue" });
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      action: "switch-pool",
      phase: "pre",
      target: { version: "blue", details: { maintenance: false } },
      params: { pool: "blue", servers: base.pools.blue, maintenance: false },
      risk: { dataLoss: false },
      reversible: true,
    });
    expect(await planSteps(ctx, { version: "blue" }, { version: "blue" })).toEqual([]);
    expect(await planSteps(ctx, { version: "gone" }, { version: "gone" })).toEqual([]);
  });

  it("rejects a target pool the settings do not define, naming it and the known pools", async () => {
    const ctx = contextFor(nginxProvider, { name: "edge", baseDir: dir, settings: base });
    const err = await expectBackoutError(
      nginxProvider.plan(ctx, { version: "blue" }, { version: "purple" }),
      "PLAN_INVALID",
    );
    expect(err.message).toContain('"purple"');
    expect(err.message).toContain("blue, green");
    expect(err.where).toMatchObject({ component: "edge", field: "pools" });
    expect(err.hint).toContain("purple");
  });

  it("with pauseDuringRollback, wraps the switch in maintenance; the pause keeps a dropped pool's captured servers", async () => {
    const ctx = contextFor(nginxProvider, {
      name: "edge",
      baseDir: dir,
      settings: { ...base, pauseDuringRollback: true },
    });
    const steps = await planSteps(
      ctx,
      { version: "old", details: { servers: ["10.9.9.9:80"] } },
      { version: "green" },
    );
    expect(steps.map((s) => [s.action, s.phase, s.params])).toEqual([
      ["enter-maintenance", "pre", { pool: "old", servers: ["10.9.9.9:80"], maintenance: true }],
      ["leave-maintenance", "post", { pool: "green", servers: ["10.0.1.1:8080"], maintenance: false }],
    ]);
    expect(steps.every((s) => !s.risk.dataLoss)).toBe(true);
  });

  it("wraps others' rollback in maintenance on the pool it serves, only with pauseDuringRollback", async () => {
    const settings = { ...base, pauseDuringRollback: true };
    const ctx = contextFor(nginxProvider, { name: "edge", baseDir: dir, settings });
    const steps = (await nginxProvider.wrap?.(ctx, { version: "blue" })) ?? [];
    expect(steps.map((s) => [s.action, s.phase, s.params])).toEqual([
      ["enter-maintenance", "pre", { pool: "blue", servers: base.pools.blue, maintenance: true }],
      ["leave-maintenance", "post", { pool: "blue", servers: base.pools.blue, maintenance: false }],
    ]);
    const inMaintenance = { version: "blue", details: { maintenance: true } };
    expect(await nginxProvider.wrap?.(ctx, inMaintenance)).toEqual([]);
    const plain = contextFor(nginxProvider, { name: "edge", baseDir: dir, settings: base });
    expect(await nginxProvider.wrap?.(plain, { version: "blue" })).toEqual([]);
  });

  it("capture of a missing include says so and offers the content to create", async () => {
    const ctx = contextFor(nginxProvider, { name: "edge", baseDir: dir, settings: base });
    const err = await expectBackoutError(nginxProvider.capture(ctx), "PROVIDER_FAILED");
    expect(err.message).toContain(join(dir, "backout.conf"));
    expect(err.message).toContain("does not exist");
    const example = err.details?.example;
    expect(typeof example).toBe("string");
    writeFileSync(join(dir, "backout.conf"), example as string);
    expect(await nginxProvider.capture(ctx)).toMatchObject({
      version: "blue",
      details: { maintenance: false },
    });
  });

  it("capture of a file backout did not write is an error, not a guess", async () => {
    writeFileSync(join(dir, "backout.conf"), "upstream app_pool { server 10.0.0.1:80; }\n");
    const ctx = contextFor(nginxProvider, { name: "edge", baseDir: dir, settings: base });
    const err = await expectBackoutError(nginxProvider.capture(ctx), "PROVIDER_FAILED");
    expect(err.message).toContain("not written by backout");
  });

  it("puts the previous include back when nginx cannot run at all, and leaves no temporary file", async () => {
    const before = renderInclude(
      { upstream: "app_pool", pool: "green", servers: ["10.0.1.1:8080"], maintenance: false },
      { component: "edge", variablePrefix: "backout" },
    );
    writeFileSync(join(dir, "backout.conf"), before);
    const ctx = contextFor(nginxProvider, {
      name: "edge",
      baseDir: dir,
      settings: { ...base, nginx: join(dir, "no-such-nginx") },
    });
    const [step] = await planSteps(ctx, { version: "green" }, { version: "blue" });
    if (step === undefined) throw new Error("expected a step");
    const err = await expectBackoutError(nginxProvider.apply(ctx, step), "COMMAND_FAILED");
    expect(err.message).toContain("no-such-nginx");
    expect(readFileSync(join(dir, "backout.conf"), "utf8")).toBe(before);
    expect(readdirSync(dir)).toEqual(["backout.conf"]);
  });
});
