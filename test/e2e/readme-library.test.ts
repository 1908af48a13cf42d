/**
 * README "Embedding backout": the library example compiles, as written, against the package's
 * shipped types (`import ... from "backout"`, resolved through package.json's exports to dist/).
 * Its helpers (readVersion, writeStep, writeVersion) are the reader's own; they are declared.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const HELPERS = `import type { ProviderContext } from "backout";
type Ctx = ProviderContext<{ file: string }>;
declare function readVersion(ctx: Ctx): Promise<string>;
declare function writeVersion(ctx: Ctx, version: unknown): Promise<{ output: string }>;
declare function writeStep(target: unknown): never;
`;

describe("README library example", () => {
  it("type-checks against the shipped types", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const example = /## Embedding backout[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain('from "backout"');
    const repo = fileURLToPath(new URL("../..", import.meta.url));
    // Inside the package, so "backout" resolves to this package's exports (self-reference).
    const dir = mkdtempSync(join(repo, ".readme-library-"));
    try {
      writeFileSync(join(dir, "example.ts"), HELPERS + (example ?? ""));
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noUncheckedIndexedAccess: true,
            module: "nodenext",
            moduleResolution: "nodenext",
            target: "es2022",
            noEmit: true,
            skipLibCheck: true,
          },
          files: ["example.ts"],
        }),
      );
      const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
      const run = () => execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
      expect(run).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
