/** Where the bundled CLI keeps V8's code cache (src/cli/compile-cache.ts), and when it does not. */
import { chmodSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileCachePath, readTrustedCache, writeCache } from "../../src/cli/compile-cache.js";
import { tempDir } from "../support/temp-dir.js";

const node = (...args: string[]) => ["/usr/bin/node", "/opt/backout/backout.js", ...args];
const key = `node${process.versions.node}-${process.arch}`;

describe("compileCachePath", () => {
  it("keeps one file per bundle, Node version and command, under XDG_CACHE_HOME or ~/.cache", () => {
    expect(compileCachePath({ bundleId: "b1", argv: node("status"), env: { XDG_CACHE_HOME: "/x" } })).toBe(
      `/x/backout/b1-${key}-status.v8`,
    );
    expect(compileCachePath({ bundleId: "b1", argv: node("--json", "plan"), env: {} })).toBe(
      join(homedir(), ".cache", "backout", `b1-${key}-plan.v8`),
    );
  });

  it("names anything that is not a plain command 'other', so argv never becomes a path", () => {
    for (const argv of [node(), node("../../etc/x"), node("backout.yaml"), node("Status")]) {
      expect(compileCachePath({ bundleId: "b", argv, env: { XDG_CACHE_HOME: "/x" } })).toBe(
        `/x/backout/b-${key}-other.v8`,
      );
    }
  });

  it("BACKOUT_COMPILE_CACHE names the directory, or turns the cache off", () => {
    expect(compileCachePath({ bundleId: "b", argv: node("run"), env: { BACKOUT_COMPILE_CACHE: "/c" } })).toBe(
      `/c/b-${key}-run.v8`,
    );
    expect(
      compileCachePath({ bundleId: "b", argv: node("run"), env: { BACKOUT_COMPILE_CACHE: "off" } }),
    ).toBeUndefined();
  });
});

describe("compileCachePath under other Node flags", () => {
  it("keeps another file when NODE_OPTIONS or Node's own options differ (V8 would refuse the cache)", () => {
    const at = (env: NodeJS.ProcessEnv, execArgv: string[] = []) =>
      compileCachePath({
        bundleId: "b",
        argv: node("status"),
        env: { XDG_CACHE_HOME: "/x", ...env },
        execArgv,
      });
    const plain = at({});
    expect(plain).toBe(`/x/backout/b-${key}-status.v8`);
    const options = at({ NODE_OPTIONS: "--max-old-space-size=4096" });
    const execArgv = at({}, ["--stack-size=2000"]);
    expect(new Set([plain, options, execArgv]).size).toBe(3);
    expect(options).toMatch(new RegExp(`^/x/backout/b-${key}-[0-9a-f]{8}-status\\.v8$`));
    expect(at({ NODE_OPTIONS: "--max-old-space-size=4096" })).toBe(options);
  });
});

describe("the cache file", () => {
  it("is written whole, readable only by its owner, and read back", () => {
    const path = join(tempDir("cc"), "deeper", "c.v8");
    writeCache(path, Buffer.from("compiled"));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readTrustedCache(path)?.toString()).toBe("compiled");
  });

  it("is not read when others may write it: V8 would run what it holds", () => {
    const path = join(tempDir("cc"), "c.v8");
    writeFileSync(path, "planted");
    chmodSync(path, 0o666);
    expect(readTrustedCache(path)).toBeUndefined();
    chmodSync(path, 0o600);
    expect(readTrustedCache(path)?.toString()).toBe("planted");
  });

  it("a write that cannot happen is dropped without an error", () => {
    const dir = tempDir("cc");
    writeFileSync(join(dir, "file"), "");
    // The cache directory would have to be inside a regular file (ENOTDIR, even for root).
    expect(() => writeCache(join(dir, "file", "c.v8"), Buffer.from("x"))).not.toThrow();
    expect(readdirSync(dir)).toEqual(["file"]);
  });
});
