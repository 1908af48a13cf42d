import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { until } from "../support/until.js";
import { cli, commandComponent, releaseSteps, startCli, tempDir, writeStepScripts } from "./cli.js";

interface Shown {
  id: string;
  startedAt?: number;
  finishedAt?: number;
  state: string;
}

async function environment(stepMs: number | "hold"): Promise<string> {
  const dir = tempDir("lock");
  writeStepScripts(dir);
  for (const name of ["api", "db"]) writeFileSync(join(dir, "state", name), "v1");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: lock
components:
${commandComponent(dir, "api", ["db"], stepMs)}${commandComponent(dir, "db", [], stepMs)}`,
  );
  expect((await cli(["checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
  for (const name of ["api", "db"]) writeFileSync(join(dir, "state", name), "v2");
  return dir;
}

async function shown(dir: string, id: string): Promise<Shown> {
  return JSON.parse((await cli(["show", id, "--json"], { cwd: dir })).stdout) as Shown;
}

describe("one rollback at a time per environment (two real backout processes)", () => {
  it("two runs started at once: one runs, the other waits in the queue and then runs", async () => {
    const dir = await environment(400);
    const [a, b] = await Promise.all([startCli(["run"], { cwd: dir }), startCli(["run"], { cwd: dir })]);
    expect(a.exitCode, String(a.stderr)).toBe(0);
    expect(b.exitCode, String(b.stderr)).toBe(0);
    const waited = [a, b].filter((r) => String(r.stderr).includes("waiting:"));
    expect(waited).toHaveLength(1);
    const list = JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as { id: string }[];
    expect(list).toHaveLength(2);
    const [newer, older] = await Promise.all(list.map((r) => shown(dir, r.id)));
    const runs = [newer, older].sort((x, y) => (x?.startedAt ?? 0) - (y?.startedAt ?? 0));
    expect(runs.map((r) => r?.state)).toEqual(["succeeded", "succeeded"]);
    // No overlap: the second started only after the first finished.
    expect(runs[1]?.startedAt ?? 0).toBeGreaterThanOrEqual(runs[0]?.finishedAt ?? Infinity);
  });

  it("with --no-wait the second exits with the lock-busy code (4) and changes no component", async () => {
    // The first run's steps wait for releaseSteps: it holds the lock for as long as the test
    // needs, however slowly a loaded machine starts the second process.
    const dir = await environment("hold");
    const first = startCli(["run"], { cwd: dir });
    await until(
      "the first run holds the lock",
      async () => {
        const s = JSON.parse((await cli(["status", "--json"], { cwd: dir })).stdout) as { lock: unknown };
        return s.lock !== null && s.lock !== undefined;
      },
      60_000,
    );
    const second = await cli(["run", "--no-wait"], { cwd: dir });
    releaseSteps(dir);
    expect(second.exitCode, second.stderr).toBe(4);
    expect(second.stderr).toMatch(/LOCK_BUSY/);
    expect((await first).exitCode).toBe(0);
    const list = JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as { state: string }[];
    expect(list.map((r) => r.state).sort()).toEqual(["cancelled", "succeeded"]);
  });
});
