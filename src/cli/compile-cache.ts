/**
 * Runs the bundled CLI (one CommonJS file) through V8 with a code cache, as Node 22's
 * `module.enableCompileCache()` does for its modules (Node 20, which backout supports, has no
 * such switch, and none at all for ES modules). Compiling the bundle's code is the largest part
 * of `backout status` after Node's own start; with the cache V8 reads the compiled functions
 * back instead. The cache is V8's: it holds compiled code of the bundle, no data of any run.
 *
 * - One file per bundle build, Node version and command (`status` compiles other functions than
 *   `run`), in `$BACKOUT_COMPILE_CACHE` or `$XDG_CACHE_HOME/backout` (`~/.cache/backout`);
 *   `BACKOUT_COMPILE_CACHE=off` turns it off.
 * - Written once, at exit, when missing or refused by V8 (another V8 or other flags); through a
 *   temporary file and a rename, so a reader never sees half of one. Any failure to read or write
 *   it (read-only home, full disk) only means compiling as without it: it never fails a command.
 * - Read only when owned by this user and writable by no one else: V8 runs what the file says.
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Script } from "node:vm";

export interface CompileCacheOptions {
  /** The bundle's own id (a hash of its text, fixed at build time). */
  bundleId: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Node's own options (process.execArgv): they change V8's flags as NODE_OPTIONS does. */
  execArgv?: readonly string[];
}

/** Where this command's cache lives, or undefined when it is turned off. */
export function compileCachePath(o: CompileCacheOptions): string | undefined {
  const setting = o.env.BACKOUT_COMPILE_CACHE;
  if (setting === "off") return undefined;
  const dir =
    setting !== undefined && setting !== ""
      ? setting
      : join(o.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "backout");
  const command = o.argv.slice(2).find((a) => !a.startsWith("-")) ?? "";
  const name = /^[a-z][a-z-]{0,30}$/.test(command) ? command : "other";
  // V8 refuses a cache made under other flags: runs with and without some NODE_OPTIONS would
  // otherwise keep replacing each other's file.
  const flags = [...(o.execArgv ?? []), o.env.NODE_OPTIONS ?? ""].join(" ").trim();
  const variant = flags === "" ? "" : `-${stringHash(flags)}`;
  return join(dir, `${o.bundleId}-node${process.versions.node}-${process.arch}${variant}-${name}.v8`);
}

/** FNV-1a, 32 bits, as hex: a short stable name for a string (no crypto needed at start-up). */
function stringHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The cache file's bytes, if it exists and only this user could have written it. */
export function readTrustedCache(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const st = fstatSync(fd);
    const uid = process.getuid?.();
    if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined; // none yet, or unreadable: compile without it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the cache whole or not at all; every error is swallowed (see the file's comment). */
export function writeCache(path: string, data: Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // the temporary file cannot even exist there (its directory is not one)
    }
  }
}

/**
 * Compiles the CommonJS file `file` (its text `source`) with the cache and returns its module
 * function, to be called as Node calls a module. The cache is written at exit if it was needed.
 */
export function compileWithCache(
  file: string,
  source: string,
  o: CompileCacheOptions,
): (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void {
  const path = compileCachePath(o);
  const cachedData = path === undefined ? undefined : readTrustedCache(path);
  // Same first line as the file, so positions in stack traces and source maps stay right.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (path !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // At exit the cache holds every function this command compiled, not only the top level.
    process.once("exit", () => writeCache(path, script.createCachedData()));
  }
  return script.runInThisContext() as ReturnType<typeof compileWithCache>;
}
