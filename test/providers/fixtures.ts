import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { BackoutError, type ErrorCode } from "../../src/core/errors.js";

export { tempDir } from "../support/temp-dir.js";

/** A value with every shell metacharacter we care about; a shell would run `touch CANARY`. */
export const NASTY = `v1; $(touch CANARY) \`touch CANARY\` 'single' "double" two  spaces\nline2 $HOME $& $1 | & > x < y *`;

/**
 * A small tool the providers drive. Every run appends {argv, cwd, env} as a JSON line to
 * $RECORD_FILE when set. Modes: get <file> (print it), set <file> <value>, is <file> <value>
 * (exit 0 when equal), fail <code> (exit with code, after some output), record (only record).
 */
const TOOL = `
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
const [mode, ...rest] = process.argv.slice(2);
if (process.env.RECORD_FILE) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k.startsWith("BACKOUT_") || k.startsWith("TEST_")),
  );
  appendFileSync(process.env.RECORD_FILE, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), env }) + "\\n");
}
if (mode === "get") process.stdout.write(readFileSync(rest[0], "utf8") + "\\n");
else if (mode === "set") { writeFileSync(rest[0], rest[1]); console.log("set to " + rest[1]); }
else if (mode === "is") process.exit(readFileSync(rest[0], "utf8") === rest[1] ? 0 : 1);
else if (mode === "fail") { console.log("some output"); console.error("it broke"); process.exit(Number(rest[0])); }
`;

export function writeTool(dir: string): string {
  const path = join(dir, "tool.mjs");
  writeFileSync(path, TOOL);
  return path;
}

export interface Recorded {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export function readRecords(file: string): Recorded[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Recorded);
}

/** Awaits a rejection and checks it is a BackoutError with the given code; returns it for more checks. */
export async function expectBackoutError(p: Promise<unknown>, code: ErrorCode): Promise<BackoutError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BackoutError);
  const be = e as BackoutError;
  expect(be.code, be.message).toBe(code);
  return be;
}
