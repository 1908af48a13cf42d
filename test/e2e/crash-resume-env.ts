/**
 * The environment the crash-resume tests kill and resume: four command components in a DAG,
 * checkpointed at v1 and "deployed" to v2. The tests are split over three files so the
 * runner can spread them over its workers.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { cli, commandComponent, tempDir, writeStepScripts } from "./cli.js";

export const COMPONENTS: [string, string[]][] = [
  ["db", []],
  ["api", ["db"]],
  ["web", ["api"]],
  ["cache", []],
];
/** createRollback + started + 3 per step (started, its process, succeeded) + finished. */
export const JOURNAL_WRITES = 1 + 1 + 3 * COMPONENTS.length + 1;

/** A fresh environment: checkpoint at v1 (good), then a "deploy" to v2. */
export async function environment(): Promise<string> {
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

export function sideEffects(dir: string): string[] {
  try {
    return readFileSync(join(dir, "side-effects.log"), "utf8").trim().split("\n").filter(Boolean).sort();
  } catch {
    return [];
  }
}

/** After the kill: resume the interrupted rollback, or start again if none was created. */
export async function finish(dir: string): Promise<void> {
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

/** Registers one test per journal write: SIGKILL of `run` just before (or after) it, then finish. */
export function killAtEveryJournalWrite(moment: "before" | "after"): void {
  const points: [number, "before" | "after"][] = [];
  for (let n = 1; n <= JOURNAL_WRITES; n++) points.push([n, moment]);

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
}
