import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeEach, describe, expect, it } from "vitest";
import { fileProvider } from "../../../src/providers/file/index.js";
import { tempDir } from "../fixtures.js";
import { fileContext, planTo } from "./file-fixture.js";

// Large enough that a non-atomic write would be seen half-done.
const SIZE = 256 * 1024;
const A = "A".repeat(SIZE);
const B = "B".repeat(SIZE);

/**
 * Reads the file in a tight loop until <stop> exists; every read must be all-A or all-B of
 * full length. Prints a "+" line every 10 reads (so the test knows reads are happening), then
 * {reads, bad, missing} as JSON. A separate process, so reads really interleave with the renames.
 */
const READER = `
import { existsSync, readFileSync } from "node:fs";
const [file, stop, size] = process.argv.slice(2);
let reads = 0, bad = 0, missing = 0;
process.stdout.write("ready\\n");
while (!existsSync(stop)) {
  let text;
  try { text = readFileSync(file, "latin1"); } catch { missing++; continue; }
  reads++;
  if (reads % 10 === 0) process.stdout.write("+\\n");
  const ok = text.length === Number(size) && (text[0] === "A" || text[0] === "B") &&
    text[text.length - 1] === text[0] && !text.includes(text[0] === "A" ? "B" : "A");
  if (!ok) bad++;
}
console.log(JSON.stringify({ reads, bad, missing }));
`;

describe("file provider: atomic restore", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));

  it("a reader never sees a partial or missing file during restores (at least 200 of each)", async () => {
    const file = join(dir, "big.conf");
    const stop = join(dir, "stop");
    const reader = join(dir, "reader.mjs");
    writeFileSync(reader, READER);
    const ctx = fileContext(dir, { files: ["big.conf"] });
    writeFileSync(file, A);
    const stateA = await fileProvider.capture(ctx);
    writeFileSync(file, B);
    const stateB = await fileProvider.capture(ctx);
    const toA = await planTo(ctx, stateA);
    writeFileSync(file, A);
    const toB = await planTo(ctx, stateB);
    if (toA === undefined || toB === undefined) throw new Error("expected steps both ways");

    const child = execa(process.execPath, [reader, file, stop, String(SIZE)], { reject: false });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    let readsSeen = 0;
    child.stdout.on("data", (d: Buffer) => (readsSeen += 10 * (String(d).split("+").length - 1)));
    // No speed assumed: restore until both sides did at least 200, ending on A (an even count).
    let restores = 0;
    while (restores < 200 || readsSeen < 200 || restores % 2 === 1) {
      if (child.exitCode !== null) throw new Error(`the reader exited early: ${String(child.exitCode)}`);
      await fileProvider.apply(ctx, restores % 2 === 0 ? toB : toA);
      restores++;
    }
    writeFileSync(stop, "");
    const out = await child;
    const result = JSON.parse(out.stdout.split("\n").at(-1) ?? "{}") as {
      reads: number;
      bad: number;
      missing: number;
    };
    expect(result.reads).toBeGreaterThanOrEqual(200);
    expect(result).toMatchObject({ bad: 0, missing: 0 });
    expect(await fileProvider.verify(ctx, toA)).toBe(true); // an even number of restores ends on A
  });
});
