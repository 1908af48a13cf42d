/**
 * Command components for these tests: the version lives in state/<name>; applying it runs a
 * Node script that logs its start, optionally sleeps, optionally fails on its first attempt
 * (a retry), then writes the target. Idempotent: writing the same target twice is harmless.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = `import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const [dir, name, target, sleepMs, failOnce] = process.argv.slice(2);
appendFileSync(join(dir, "starts.log"), name + "\\n");
await new Promise((r) => setTimeout(r, Number(sleepMs)));
const flag = join(dir, "state", name + ".failed-once");
if (failOnce === "fail-once" && !existsSync(flag)) {
  writeFileSync(flag, "");
  console.error("transient failure of " + name + " (first attempt)");
  process.exit(1);
}
if (failOnce === "always-fail") { console.error(name + " cannot be applied"); process.exit(1); }
writeFileSync(join(dir, "state", name), target);
`;

/** Writes the step script and the state directory; call once per test directory. */
export function writeStepTool(dir: string): void {
  mkdirSync(join(dir, "state"), { recursive: true });
  writeFileSync(join(dir, "set-version.mjs"), SCRIPT);
}

export interface ComponentOptions {
  dependsOn?: string[];
  sleepMs?: number;
  /** "fail-once": the first attempt fails (retryable); "always-fail": every attempt fails. */
  failure?: "fail-once" | "always-fail";
  /** Extra YAML lines for the component, indented by four spaces (e.g. checks). */
  extra?: string;
}

export function componentYaml(dir: string, name: string, opts: ComponentOptions = {}): string {
  const q = JSON.stringify;
  const args = [process.execPath, join(dir, "set-version.mjs"), dir, name, "{{target}}"];
  args.push(String(opts.sleepMs ?? 0), opts.failure ?? "none");
  return `  ${name}:
    kind: command
    dependsOn: [${(opts.dependsOn ?? []).join(", ")}]
    capture: ["/bin/cat", ${q(join(dir, "state", name))}]
    apply: [${args.map((a) => q(a)).join(", ")}]
${opts.extra ?? ""}`;
}

export function setVersion(dir: string, name: string, version: string): void {
  writeFileSync(join(dir, "state", name), version);
}

export function versionOf(dir: string, name: string): string {
  return readFileSync(join(dir, "state", name), "utf8");
}

/** Component names whose apply script started, in order (one line per attempt). */
export function starts(dir: string): string[] {
  const file = join(dir, "starts.log");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}
