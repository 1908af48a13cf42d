import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { until } from "../support/until.js";
import { cli, commandComponent, startCli, tempDir, writeStepScripts } from "./cli.js";

/**
 * A backout process stopped (SIGSTOP, a paused VM) in the middle of a store write keeps the
 * SQLite file locked. Another `run` must wait for it, as it waits for the environment's lock,
 * not fail with "database is locked" after SQLite's 5 s busy timeout before it has even queued.
 * The test holds the write lock itself (an open BEGIN IMMEDIATE, exactly what a stopped writer
 * leaves), so the interleaving is deterministic.
 */
describe("a store held mid-write by another process", () => {
  it("a new run waits for the state database, says so, and runs once it is free", async () => {
    const dir = tempDir("store-busy");
    writeStepScripts(dir);
    writeFileSync(join(dir, "state", "api"), "v1");
    writeFileSync(
      join(dir, "backout.yaml"),
      `version: 1\nenvironment: busy\ncomponents:\n${commandComponent(dir, "api", [])}`,
    );
    expect((await cli(["checkpoint", "--good"], { cwd: dir })).exitCode).toBe(0);
    writeFileSync(join(dir, "state", "api"), "v2");

    const held = new Database(join(dir, ".backout", "backout.db"));
    held.prepare("BEGIN IMMEDIATE").run();
    let released = false;
    try {
      const run = startCli(["run"], { cwd: dir });
      let stderr = "";
      run.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      // SQLite's own busy timeout (5 s) passes first; then the run must say it waits.
      await until(
        "the run to report that it waits for the state database",
        () => stderr.includes("state database is locked"),
        { timeoutMs: 90_000 },
      );
      expect(run.exitCode).toBeNull(); // still waiting, not failed
      held.prepare("ROLLBACK").run();
      released = true;
      const result = await run;
      expect(result.exitCode, String(result.stderr)).toBe(0);
    } finally {
      if (!released) held.prepare("ROLLBACK").run();
      held.close();
    }
    expect(readFileSync(join(dir, "state", "api"), "utf8")).toBe("v1");
    expect(readFileSync(join(dir, "side-effects.log"), "utf8").trim().split("\n")).toEqual(["api v1"]);
  });
});
