/**
 * Writing what `init` produced: never over an existing file without --force, the nginx include
 * only when absent (or not backout's), and backout.yaml only once it loads cleanly.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { loadEnvironment } from "../../config/load.js";
import { Redactor } from "../../config/redactor.js";
import { BackoutError } from "../../core/errors.js";
import type { ProviderRegistry } from "../../core/provider.js";
import { parseInclude, renderInclude } from "../../providers/nginx/include-file.js";
import type { InitAnswers } from "./render.js";

export function refuseExisting(paths: readonly string[], force: boolean): void {
  if (force) return;
  const there = paths.filter((p) => existsSync(p));
  if (there.length > 0) {
    throw new BackoutError("USAGE", `${there.join(" and ")} already exist${there.length === 1 ? "s" : ""}`, {
      hint: "Keep it (edit it by hand), or run `backout init --force` to replace it.",
    });
  }
}

/** The include backout owns, with the first pool active; an existing include of backout's is kept. */
export function writeInclude(
  baseDir: string,
  nginx: NonNullable<InitAnswers["nginx"]>,
  force: boolean,
): "written" | "kept" {
  const file = resolve(baseDir, nginx.include);
  if (existsSync(file)) {
    if (parseInclude(readFileSync(file, "utf8"), "backout") !== undefined) return "kept";
    if (!force) {
      throw new BackoutError("USAGE", `${file} exists and was not written by backout`, {
        hint: "Point --nginx-include at a new file (backout owns it), or run with --force to replace it.",
      });
    }
  }
  const [pool, servers] = Object.entries(nginx.pools)[0] ?? ["default", []];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    renderInclude(
      { upstream: nginx.upstream, pool, servers, maintenance: false },
      { component: "edge", variablePrefix: "backout" },
    ),
  );
  return "written";
}

/** Writes `text` to `file` only if it loads as an environment file (checked on a temporary copy). */
export function writeCheckedConfig(
  file: string,
  text: string,
  providers: ProviderRegistry,
  env: NodeJS.ProcessEnv,
): void {
  const tmp = `${file}.init-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o644 });
  try {
    loadEnvironment(tmp, { providers, redactor: new Redactor(), env });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
