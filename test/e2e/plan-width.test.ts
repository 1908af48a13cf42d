import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { cli, CLI, commandComponent, tempDir, writeStepScripts } from "./cli.js";

/**
 * Human `plan` output fits the terminal (issue 11 item 3: it was 282 columns wide on a
 * 100-column terminal, with DATA LOSS in the last column): every line within the width, the
 * data-loss risk in the first lines, nothing of a long path or command lost to wrapping.
 */
const LONG_PATH = "/var/lib/backout-tests/queues/pending-jobs/of-the-api-service/that-nobody-may-lose.db";

function environment(): string {
  const dir = tempDir("plan-width");
  writeStepScripts(dir);
  writeFileSync(
    join(dir, "backout.yaml"),
    `version: 1
environment: a-production-environment-with-a-long-name
components:
${commandComponent(dir, "web-frontend-service", ["api-backend-service"])}${commandComponent(dir, "api-backend-service", [])}    risk: { dataLoss: true, summary: "deletes the queue of pending jobs in ${LONG_PATH} and its index" }
`,
  );
  writeFileSync(join(dir, "state", "web-frontend-service"), "release-2026-11-30-build-1234");
  writeFileSync(join(dir, "state", "api-backend-service"), "release-2026-11-30-build-1234");
  return dir;
}

async function deployed(): Promise<{ dir: string; hash: string; checkpoint: string }> {
  const dir = environment();
  const cp = await cli(["checkpoint", "--good", "--name", "before-the-release-of-december", "--json"], {
    cwd: dir,
  });
  expect(cp.exitCode, cp.stderr).toBe(0);
  writeFileSync(join(dir, "state", "web-frontend-service"), "release-2026-12-01-build-1299");
  writeFileSync(join(dir, "state", "api-backend-service"), "release-2026-12-01-build-1299");
  const plan = JSON.parse((await cli(["plan", "--json"], { cwd: dir })).stdout) as {
    hash: string;
    checkpoint: { id: string };
  };
  return { dir, hash: plan.hash.slice(0, 12), checkpoint: plan.checkpoint.id };
}

function checkFits(text: string, width: number, hash: string, checkpoint: string): string[] {
  const lines = text.replace(/\r/g, "").trimEnd().split("\n");
  for (const line of lines)
    expect([...line].length, `"${line}" is wider than ${width}`).toBeLessThanOrEqual(width);
  // The risk where the eye lands: the first line.
  expect(lines[0]).toMatch(/^Plan [0-9a-f]{12}: DATA LOSS: 1 of 2 steps may lose/);
  // Nothing lost: the long path is all there once the wrapping is taken out.
  expect(text.replace(/\s+/g, "")).toContain(LONG_PATH);
  // The confirmation command still runs when copied as printed (continued with backslashes).
  const command = text.replace(/\r/g, "").replace(/ \\\n\s+/g, " ");
  expect(command).toContain(`backout run --confirm ${hash} --to ${checkpoint}`);
  return lines;
}

describe("plan output fits the terminal", () => {
  it("wraps to $COLUMNS: 60 and 120 columns, risk first, nothing elided", async () => {
    const { dir, hash, checkpoint } = await deployed();
    const narrow = await cli(["plan"], { cwd: dir, env: { COLUMNS: "60" } });
    expect(narrow.exitCode, narrow.stderr).toBe(0);
    checkFits(narrow.stdout, 60, hash, checkpoint);

    const wide = await cli(["plan"], { cwd: dir, env: { COLUMNS: "120" } });
    const lines = checkFits(wide.stdout, 120, hash, checkpoint);
    // The width is used, not a fixed narrow layout.
    expect(Math.max(...lines.map((l) => [...l].length))).toBeGreaterThan(60);
    expect(lines.length).toBeLessThan(narrow.stdout.trimEnd().split("\n").length);

    // Not a terminal and no $COLUMNS: 80.
    const piped = await cli(["plan"], { cwd: dir, env: { COLUMNS: "" } });
    checkFits(piped.stdout, 80, hash, checkpoint);
  });

  it("on a real 60-column terminal (a pseudo-terminal from script(1)), the terminal's width is used", async () => {
    const { dir, hash, checkpoint } = await deployed();
    const inner = `stty cols 60 rows 50; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} plan`;
    const r = await execa("script", ["-qec", inner, "/dev/null"], {
      cwd: dir,
      env: { COLUMNS: "", BACKOUT_ACTIVE_ROLLBACK: "" },
      reject: false,
      stdin: "ignore",
    });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const lines = checkFits(String(r.stdout), 60, hash, checkpoint);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeGreaterThan(50);
  });
});
