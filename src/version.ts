import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * backout's version, read from its package.json: the one number there is, whether this module
 * runs from src/ (tsx), dist/ (tsc) or a bundle in dist/cli/.
 */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "backout" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    const up = dirname(dir);
    if (up === dir) return "0.0.0-unknown";
    dir = up;
  }
}

export const version: string = packageVersion();
