/**
 * Hook programs (escalation, emergency) that append one JSON line per call: the idempotency
 * key from the environment and the JSON backout wrote on stdin. The fault harness counts them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface HookCall {
  env: string | undefined;
  stdin: { idempotencyKey?: string; rollbackId?: string };
}

/** Writes hook.mjs into dir; its first argument is the log file it appends to. */
export function writeHook(dir: string): string {
  const file = join(dir, "hook.mjs");
  writeFileSync(
    file,
    `import { appendFileSync, readFileSync } from "node:fs";
const stdin = readFileSync(0, "utf8");
let parsed = {};
try { parsed = JSON.parse(stdin); } catch {}
appendFileSync(process.argv[2], JSON.stringify({ env: process.env.BACKOUT_IDEMPOTENCY_KEY, stdin: parsed }) + "\\n");
`,
  );
  return file;
}

/** The YAML argument array that runs the hook, logging to `log`. */
export function hookCommand(hook: string, log: string): string {
  return `[${JSON.stringify(process.execPath)}, ${JSON.stringify(hook)}, ${JSON.stringify(log)}]`;
}

export function hookCalls(file: string): HookCall[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as HookCall);
  } catch {
    return [];
  }
}
