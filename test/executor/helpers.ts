/**
 * Engine-level fixtures built from real parts only: a temp directory, a backout.yaml on disk
 * loaded by loadEnvironment, the SQLite store, and `command` components whose capture/apply
 * are small Node scripts keeping the component's version in a state file.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { loadEnvironment } from "../../src/config/load.js";
import { Redactor } from "../../src/config/redactor.js";
import type { Clock } from "../../src/core/clock.js";
import { Engine } from "../../src/core/engine.js";
import { currentHolder } from "../../src/core/holder.js";
import type { Holder, JournalEntry, JournalEventData } from "../../src/core/journal-events.js";
import { ACTIVE_ROLLBACK_ENV } from "../../src/core/nesting.js";
import { builtinProviders } from "../../src/providers/index.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite/index.js";
import { sleep, until } from "../support/until.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(REPO_ROOT, "dist/cli/main.js");

const SCRIPTS: Record<string, string> = {
  // capture <state>: the version is the state file's content.
  "capture.mjs": `import { readFileSync } from "node:fs";
process.stdout.write(readFileSync(process.argv[2], "utf8"));
`,
  // apply <state> <target> <log> [--counter F --fail-first N] [--hang-pid F] [--wait-for F]
  "apply.mjs": `import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
const [state, target, log, ...rest] = process.argv.slice(2);
const opt = (name) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const counter = opt("--counter");
if (counter) {
  const n = (existsSync(counter) ? Number(readFileSync(counter, "utf8")) : 0) + 1;
  writeFileSync(counter, String(n));
  const failFirst = Number(opt("--fail-first") ?? "0");
  if (n <= failFirst) {
    process.stderr.write("flaky failure " + n + " of " + failFirst + "\\n");
    process.exit(1);
  }
}
const hangPid = opt("--hang-pid");
if (hangPid) {
  writeFileSync(hangPid, String(process.pid));
  await sleep(60000);
  process.stderr.write("hang script was not cancelled\\n");
  process.exit(1);
}
const waitFor = opt("--wait-for");
if (waitFor) {
  const until = Date.now() + 30000;
  while (!existsSync(waitFor)) {
    if (Date.now() > until) process.exit(1);
    await sleep(20);
  }
}
appendFileSync(log, JSON.stringify({ rollback: process.env.BACKOUT_ROLLBACK_ID ?? null, target }) + "\\n");
writeFileSync(state, target);
`,
  // hook-stdin <file>: appends its standard input (one JSON document) as one line.
  "hook-stdin.mjs": `import { appendFileSync } from "node:fs";
let data = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) data += chunk;
appendFileSync(process.argv[2], JSON.stringify({ summary: JSON.parse(data), state: process.env.BACKOUT_STATE ?? null }) + "\\n");
`,
  // append-line <file> <text>
  "append-line.mjs": `import { appendFileSync } from "node:fs";
appendFileSync(process.argv[2], process.argv[3] + "\\n");
`,
  // nested <cli> <config> <out>: runs \`backout run\` from inside a step and records what happened.
  "nested.mjs": `import { spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
const [cli, config, out] = process.argv.slice(2);
const r = spawnSync(process.execPath, [cli, "run", "--config", config, "--no-wait"], {
  encoding: "utf8",
  env: process.env,
  timeout: 20000,
});
appendFileSync(
  out,
  JSON.stringify({
    status: r.status,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    active: process.env.BACKOUT_ACTIVE_ROLLBACK ?? null,
  }) + "\\n",
);
process.exit(r.status === 0 ? 0 : 1);
`,
};

export interface CommandComponentOptions {
  dependsOn?: string[];
  /** The apply script fails (exit 1) this many times before it succeeds. */
  failFirst?: number;
  /** The apply script writes its pid and sleeps 60 s (never reaches the target). */
  hang?: boolean;
  /** The apply script waits until this file exists. */
  waitFor?: string;
  risk?: { dataLoss: boolean; summary: string };
  dataLoss?: "confirm" | "archive" | "refuse";
  /** Replaces the apply argument array. */
  apply?: string[];
  initial?: string;
}

export interface ConfigOptions {
  environment?: string;
  policies?: Record<string, unknown>;
  serve?: Record<string, unknown>;
  components: Record<string, Record<string, unknown>>;
}

export interface Application {
  rollback: string | null;
  target: string;
}

/** A temp directory holding the scripts, state files, backout.yaml and the store. */
export class Sandbox {
  readonly dir: string;
  readonly scripts: string;
  configFile = "";
  private readonly stores: SqliteStore[] = [];

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "backout-executor-"));
    this.scripts = path.join(this.dir, "scripts");
    fs.mkdirSync(this.scripts);
    for (const [name, text] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(this.scripts, name), text);
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  script(name: string): string {
    return path.join(this.scripts, name);
  }

  stateFile(component: string): string {
    return this.path(`${component}.state`);
  }

  logFile(component: string): string {
    return this.path(`${component}.applied.log`);
  }

  counterFile(component: string): string {
    return this.path(`${component}.attempts`);
  }

  pidFile(component: string): string {
    return this.path(`${component}.pid`);
  }

  /** A `command` component whose version lives in <name>.state; starts at `initial` (v1). */
  commandComponent(name: string, o: CommandComponentOptions = {}): Record<string, unknown> {
    fs.writeFileSync(this.stateFile(name), o.initial ?? "v1");
    const extra: string[] = [];
    if (o.failFirst !== undefined) {
      extra.push("--counter", this.counterFile(name), "--fail-first", String(o.failFirst));
    }
    if (o.hang) extra.push("--hang-pid", this.pidFile(name));
    if (o.waitFor !== undefined) extra.push("--wait-for", o.waitFor);
    return {
      kind: "command",
      ...(o.dependsOn ? { dependsOn: o.dependsOn } : {}),
      ...(o.dataLoss ? { dataLoss: o.dataLoss } : {}),
      capture: [process.execPath, this.script("capture.mjs"), this.stateFile(name)],
      apply: o.apply ?? [
        process.execPath,
        this.script("apply.mjs"),
        this.stateFile(name),
        "{{target}}",
        this.logFile(name),
        ...extra,
      ],
      timeout: 60,
      ...(o.risk ? { risk: o.risk } : {}),
    };
  }

  /** A node-script command for hooks: [node, script, ...args]. */
  node(script: string, ...args: string[]): string[] {
    return [process.execPath, this.script(script), ...args];
  }

  writeConfig(o: ConfigOptions): string {
    const doc = {
      version: 1,
      environment: o.environment ?? "prod",
      store: { path: ".backout" },
      policies: o.policies ?? {},
      ...(o.serve ? { serve: o.serve } : {}),
      components: o.components,
    };
    this.configFile = this.path("backout.yaml");
    fs.writeFileSync(this.configFile, stringify(doc));
    return this.configFile;
  }

  /** Loads backout.yaml and opens the store in the sandbox, as the CLI's composition root does. */
  engine(o: { clock?: Clock; holder?: Holder } = {}): Engine {
    const providers = builtinProviders();
    const redactor = new Redactor();
    const config = loadEnvironment(this.configFile, { providers, redactor, env: process.env });
    const store = openSqliteStore(config.store.path);
    this.stores.push(store);
    const env = { ...process.env };
    delete env[ACTIVE_ROLLBACK_ENV];
    return new Engine({
      config,
      store,
      providers,
      redactor,
      env,
      holder: o.holder ?? currentHolder(),
      ...(o.clock ? { clock: o.clock } : {}),
    });
  }

  /** The "bad deploy": every named component moves to `version`. */
  deploy(version: string, ...components: string[]): void {
    for (const c of components) fs.writeFileSync(this.stateFile(c), version);
  }

  state(component: string): string {
    return fs.readFileSync(this.stateFile(component), "utf8");
  }

  applications(component: string): Application[] {
    return jsonLines<Application>(this.logFile(component));
  }

  attemptsCounted(component: string): number {
    const f = this.counterFile(component);
    return fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8")) : 0;
  }

  /** Runs the built CLI with this sandbox's config (the dist must be built). */
  cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const env = { ...process.env };
    delete env[ACTIVE_ROLLBACK_ENV];
    const r = spawnSync(process.execPath, [CLI, "--config", this.configFile, ...args], {
      encoding: "utf8",
      env,
      timeout: 20_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  async cleanup(): Promise<void> {
    for (const f of fs.readdirSync(this.dir)) {
      if (!f.endsWith(".pid")) continue;
      const pid = Number(fs.readFileSync(this.path(f), "utf8"));
      if (pid > 0 && isAlive(pid)) process.kill(pid, "SIGKILL");
    }
    for (const s of this.stores.splice(0)) await s.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function lines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "");
}

export function jsonLines<T>(file: string): T[] {
  return lines(file).map((l) => JSON.parse(l) as T);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** The id the planner gives the single step of a command component. */
export function stepOf(component: string): string {
  return `${component}#1:run-command`;
}

export type EventOf<T extends JournalEventData["type"]> = Extract<JournalEventData, { type: T }>;

export function eventsOf<T extends JournalEventData["type"]>(
  entries: JournalEntry[],
  type: T,
  stepId?: string,
): EventOf<T>[] {
  return entries
    .map((e) => e.event)
    .filter((e): e is EventOf<T> => e.type === type)
    .filter((e) => stepId === undefined || ("stepId" in e && e.stepId === stepId));
}

export function types(entries: JournalEntry[]): string[] {
  return entries.map((e) => e.event.type);
}

export { sleep, until };

/** Waits until the rollback's journal holds an event of `type` (for `stepId`, when given). */
export async function untilEvent(
  engine: Engine,
  rollbackId: () => string | undefined,
  type: JournalEventData["type"],
  stepId?: string,
): Promise<void> {
  await until(`${type}${stepId ? ` of ${stepId}` : ""}`, async () => {
    const id = rollbackId();
    if (id === undefined) return false;
    return eventsOf(await engine.store.readJournal(id), type, stepId).length > 0;
  });
}
