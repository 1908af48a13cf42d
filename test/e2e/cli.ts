/** Runs the built CLI (dist/) as a real process; the tests build it first (npm test does). */
import { execa, type ResultPromise } from "execa";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli/main.js");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], opts: { cwd: string; env?: Record<string, string> }): ResultPromise {
  return execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { ...opts.env, BACKOUT_ACTIVE_ROLLBACK: "" },
    reject: false,
    stdin: "ignore",
  });
}

export async function cli(
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  const r = await startCli(args, opts);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export { tempDir } from "../support/temp-dir.js";

/**
 * Writes a Node script used as an idempotent step: it applies a target at most once, using an
 * exclusive-create marker as its idempotency key, and appends one line per real application
 * to a side-effect log that the tests count.
 */
export function writeStepScripts(dir: string): { apply: string; capture: string } {
  const apply = join(dir, "apply.mjs");
  writeFileSync(
    apply,
    `import { appendFileSync, openSync, writeFileSync, closeSync } from "node:fs";
import { join } from "node:path";
import { existsSync } from "node:fs";
const [component, target, dir, sleepMs] = process.argv.slice(2);
// "hold": wait until the test creates <dir>/release, so a test decides when the step ends.
if (sleepMs === "hold") while (!existsSync(join(dir, "release"))) await new Promise((r) => setTimeout(r, 20));
else await new Promise((r) => setTimeout(r, Number(sleepMs ?? 0)));
let fd;
try { fd = openSync(join(dir, "markers", component + "." + target), "wx"); } catch { process.exit(0); }
closeSync(fd);
appendFileSync(join(dir, "side-effects.log"), component + " " + target + "\\n");
writeFileSync(join(dir, "state", component), target);
`,
  );
  mkdirSync(join(dir, "markers"), { recursive: true });
  mkdirSync(join(dir, "state"), { recursive: true });
  return { apply, capture: "/bin/cat" };
}

/**
 * A command component whose version lives in state/<name>. Its apply sleeps `sleepMs`, or with
 * "hold" waits until the test calls releaseSteps(dir).
 */
export function commandComponent(
  dir: string,
  name: string,
  dependsOn: string[],
  sleepMs: number | "hold" = 0,
): string {
  const node = JSON.stringify(process.execPath);
  return `  ${name}:
    kind: command
    dependsOn: [${dependsOn.join(", ")}]
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", name))}]
    apply: [${node}, ${JSON.stringify(join(dir, "apply.mjs"))}, ${name}, "{{target}}", ${JSON.stringify(dir)}, "${sleepMs}"]
`;
}

/** Lets every step started with sleepMs "hold" finish. */
export function releaseSteps(dir: string): void {
  writeFileSync(join(dir, "release"), "");
}
