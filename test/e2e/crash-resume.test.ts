import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, commandComponent, startCli, tempDir, writeStepScripts } from "./cli.js";

const COMPONENTS: [string, string[]][] = [
  ["db", []],
  ["api", ["db"]],
  ["web", ["api"]],
  ["cache", []],
];
/** createRollback + started + 3 per step (started, its process, succeeded) + finished. */
const JOURNAL_WRITES = 1 + 1 + 3 * COMPONENTS.length + 1;

/** A fresh environment: checkpoint at v1 (good), then a "deploy" to v2. */
async function environment(): Promise<string> {
  const dir = tempDir("crash");
  writeStepScripts(dir);
  for (const [name] of COMPONENTS) writeFileSync(join(dir, "state", name), "v1");
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: crash
policies:
  concurrency: 2
  lock:
    lease: 2s
components:
${COMPONENTS.map(([n, d]) => commandComponent(dir, n, d, 30)).join("")}`,
  );
  const cp = await cli(["checkpoint", "--good", "--name", "v1"], { cwd: dir });
  expect(cp.exitCode, cp.stderr).toBe(0);
  for (const [name] of COMPONENTS) writeFileSync(join(dir, "state", name), "v2");
  return dir;
}

function sideEffects(dir: string): string[] {
  try {
    return readFileSync(join(dir, "side-effects.log"), "utf8").trim().split("\n").filter(Boolean).sort();
  } catch {
    return [];
  }
}

/** After the kill: resume the interrupted rollback, or start again if none was created. */
async function finish(dir: string): Promise<void> {
  const status = await cli(["status", "--json"], { cwd: dir });
  const s = JSON.parse(status.stdout) as {
    interrupted: { id: string }[];
    latest: { id: string; state: string } | null;
  };
  if (s.interrupted.length === 1) {
    const r = await cli(["resume", s.interrupted[0]?.id ?? ""], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
  } else if (s.latest === null) {
    const r = await cli(["run"], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
  } else {
    expect(s.latest.state).toBe("succeeded");
  }
  const after = await cli(["history", "--json"], { cwd: dir });
  const list = JSON.parse(after.stdout) as { state: string }[];
  expect(list[0]?.state).toBe("succeeded");
  expect(sideEffects(dir)).toEqual(["api v1", "cache v1", "db v1", "web v1"]);
  for (const [name] of COMPONENTS) expect(readFileSync(join(dir, "state", name), "utf8")).toBe("v1");
}

describe("SIGKILL of backout run, then resume (real processes)", () => {
  const points: [number, "before" | "after"][] = [];
  for (let n = 1; n <= JOURNAL_WRITES; n++) points.push([n, "before"], [n, "after"]);

  it.each(points)(
    "killed at journal write %i (%s it): every step's side effect happens exactly once",
    async (n, when) => {
      const dir = await environment();
      const killed = await cli(["run"], {
        cwd: dir,
        env: { BACKOUT_FAILPOINT: `journal-write:${n}:${when}` },
      });
      expect(killed.exitCode).toBe(-1); // SIGKILL: no exit code
      // The kill landed at that write.
      const history = JSON.parse((await cli(["history", "--json"], { cwd: dir })).stdout) as { id: string }[];
      if (n === 1 && when === "before") expect(history).toEqual([]);
      else {
        const shown = await cli(["show", history[0]?.id ?? "", "--json"], { cwd: dir });
        const view = JSON.parse(shown.stdout) as { lastSeq: number };
        // Before write n the journal holds exactly n-1 events. After write n it holds n, or more when
        // a concurrent step's write slipped in before the kill (two steps run at once here).
        if (when === "before") expect(view.lastSeq).toBe(n - 1);
        else expect(view.lastSeq).toBeGreaterThanOrEqual(n);
      }
      await finish(dir);
    },
  );

  it("a run without a kill point writes exactly the journal the kill points cover", async () => {
    const dir = await environment();
    const r = await cli(["run", "--json"], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split("\n")
      .filter((l) => l.includes('"event"'));
    expect(events.length + 1).toBe(JOURNAL_WRITES); // + the queued event written with the rollback
  });

  it.each(Array.from({ length: 8 }, (_, i) => i))(
    "killed at a random moment (#%i), then resumed",
    async () => {
      const dir = await environment();
      const child = startCli(["run"], { cwd: dir });
      const delay = 150 + Math.floor(Math.random() * 500);
      const timer = setTimeout(() => child.kill("SIGKILL"), delay);
      await child;
      clearTimeout(timer);
      await finish(dir);
    },
  );
});
