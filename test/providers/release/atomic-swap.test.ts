import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCommand } from "../../../src/process/run-command.js";
import { releaseProvider } from "../../../src/providers/release/index.js";
import { contextFor, planned } from "../context.js";
import { tempDir } from "../fixtures.js";
import { until } from "../../support/until.js";
import { makeReleases } from "./layout-fixture.js";

/**
 * Reads `current` (the link and what it points at) in a tight loop in another process until
 * told to stop, counting failures by errno. The stop file is polled rarely so reads dominate.
 */
const READER = `
import { existsSync, readlinkSync, renameSync, statSync, writeFileSync } from "node:fs";
const [current, stop, ready] = process.argv.slice(2);
// Progress for the test (reads so far, first failure), written atomically now and then.
const progress = (failed) => {
  writeFileSync(ready + ".tmp", JSON.stringify({ reads, failed }));
  renameSync(ready + ".tmp", ready + ".progress");
};
let reads = 0;
const failures = {};
const seen = new Set();
writeFileSync(ready, "");
for (let i = 0; ; i++) {
  if (i % 64 === 0) {
    if (existsSync(stop)) break;
    progress(Object.keys(failures).length > 0);
  }
  try {
    seen.add(readlinkSync(current));
    statSync(current);
    reads++;
  } catch (e) {
    failures[e.code] = (failures[e.code] ?? 0) + 1;
    if (failures[e.code] === 1) progress(true);
  }
}
console.log(JSON.stringify({ reads, failures, seen: [...seen].sort() }));
`;

interface ReaderReport {
  reads: number;
  failures: Record<string, number>;
  seen: string[];
}

interface Progress {
  reads: number;
  failed: boolean;
}

/** What the reader reported so far (nothing before its first report). */
function progressOf(dir: string): Progress {
  const file = join(dir, "ready.progress");
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Progress)
    : { reads: 0, failed: false };
}

/** Runs `swaps` while the reader process hammers `current`; returns what the reader saw. */
async function whileReading(
  dir: string,
  current: string,
  swaps: (progress: () => Progress) => Promise<void>,
): Promise<ReaderReport> {
  const script = join(dir, "reader.mjs");
  const stop = join(dir, "stop");
  const ready = join(dir, "ready");
  writeFileSync(script, READER);
  const reader = runCommand({ argv: [process.execPath, script, current, stop, ready] });
  try {
    await until("the reader to start", () => existsSync(ready));
    await swaps(() => progressOf(dir));
  } finally {
    writeFileSync(stop, "");
  }
  return JSON.parse((await reader).stdout) as ReaderReport;
}

describe("release provider: atomic swap", () => {
  let dir: string;
  let root: string;
  beforeEach(() => {
    dir = tempDir();
    root = join(dir, "app");
    makeReleases(root, ["blue", "green"]);
  });

  it("never lets a concurrent reader see a missing current during 200 swaps", async () => {
    const ctx = contextFor(releaseProvider, { baseDir: dir, settings: { path: root } });
    const steps = await Promise.all(
      ["blue", "green"].map(async (to) => {
        const [spec] = await releaseProvider.plan(ctx, { version: "?" }, { version: to });
        if (spec === undefined) throw new Error("expected a step");
        return planned(ctx, spec);
      }),
    );
    const report = await whileReading(dir, join(root, "current"), async (progress) => {
      // At least 200 swaps, and on until the reader has made 200 reads: no speed assumed.
      for (let i = 0; i < 200 || progress().reads < 200; i++) {
        const step = steps[i % 2];
        if (step === undefined) throw new Error("unreachable");
        await releaseProvider.apply(ctx, step);
      }
    });
    expect(report.failures).toEqual({});
    expect(report.seen).toEqual(["releases/blue", "releases/green"]);
    expect(report.reads).toBeGreaterThanOrEqual(200);
    expect(readdirSync(join(root, "releases")).sort()).toEqual(["blue", "green"]);
    // No temporary links left behind.
    expect(readdirSync(root).sort()).toEqual(["current", "releases"]);
  });

  it("(control) the same reader does catch a non-atomic unlink-then-link swap", async () => {
    const current = join(root, "current");
    const report = await whileReading(dir, current, async (progress) => {
      // The gap between unlink and link is held open until the reader has fallen into it, so
      // this shows the reader can see a missing link, however slow the machine.
      await unlink(current);
      await until("the reader to find current missing", () => progress().failed, 30_000);
      await symlink("releases/green", current);
    });
    expect(report.failures.ENOENT ?? 0).toBeGreaterThan(0);
  });
});
