/**
 * A `command` component whose apply records every application with its time span in
 * applications.log, in the environment's directory:
 *   start <component> <pid> <ms>        the application began
 *   effect <component> <target> <ms>    its effect happened (the state file was written)
 *   end <component> <pid> <ms>          it finished
 *   overlap <component> <pid> <by-pid>  it began while an earlier application (pid) was still alive
 *   fail <component> <pid> <ms>         it failed on purpose (the first `failTimes` applications do)
 * start and fail lines end with the rollback id (BACKOUT_ROLLBACK_ID), so attempts are counted
 * per rollback. An application killed midway has a start and no end; the next one checks
 * whether that earlier process is still alive, which is what makes an overlap visible even
 * across SIGKILLs.
 *
 * `escapeGroup` is the fault harness's negative control, a deliberately broken step: its work
 * runs in a detached worker (a new session), out of the process group backout journals and
 * ends on resume, so a SIGKILL mid-step leaves an orphan backout cannot see.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = `import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
const [name, target, dir, sleepMs, childSleep, failTimes = "0", mode = ""] = process.argv.slice(2);
const log = join(dir, "applications.log");
const rollback = process.env.BACKOUT_ROLLBACK_ID ?? "-";
if (mode === "escape") {
  // Broken on purpose: the work runs outside this process group; wait for it and pass its exit on.
  const args = process.argv.slice(1, 8).concat("worker");
  const w = spawn(process.execPath, args, { detached: true, stdio: "ignore" });
  const done = join(dir, "worker-" + w.pid + ".exit");
  for (;;) {
    if (existsSync(done)) process.exit(Number(readFileSync(done, "utf8")));
    await new Promise((r) => setTimeout(r, 20));
  }
}
const finish = (code) => {
  if (mode === "worker") writeFileSync(join(dir, "worker-" + process.pid + ".exit"), String(code));
};
const lines = existsSync(log) ? readFileSync(log, "utf8").split("\\n").filter(Boolean).map((l) => l.split(" ")) : [];
const open = new Set();
let earlier = 0;
for (const l of lines) {
  if (l[0] === "start" && l[1] === name) {
    earlier += 1;
    open.add(l[2]);
  }
  if (l[0] === "end" && l[1] === name) open.delete(l[2]);
}
// A zombie (killed, not yet reaped: PID 1 on some VMs never reaps orphans) runs no code: not alive.
const alive = (pid) => {
  try {
    const stat = readFileSync("/proc/" + pid + "/stat", "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch { return false; }
};
for (const pid of open) {
  if (alive(pid)) appendFileSync(log, "overlap " + name + " " + pid + " " + process.pid + "\\n");
}
appendFileSync(log, "start " + name + " " + process.pid + " " + Date.now() + " " + rollback + "\\n");
if (childSleep && childSleep !== "0") {
  // A descendant that outlives nothing on purpose: it holds stdout and records its pid.
  const c = spawn("sleep", [childSleep], { stdio: ["ignore", "inherit", "inherit"] });
  appendFileSync(join(dir, "descendants.log"), c.pid + "\\n");
}
await new Promise((r) => setTimeout(r, Number(sleepMs)));
if (earlier < Number(failTimes)) {
  appendFileSync(log, "fail " + name + " " + process.pid + " " + Date.now() + " " + rollback + "\\n");
  appendFileSync(log, "end " + name + " " + process.pid + " " + Date.now() + "\\n");
  finish(1);
  process.exit(1);
}
// Atomically, as a deploy tool would: a capture by another backout (a queued run planning
// while this step runs) must never read a half-written version.
writeFileSync(join(dir, "state", name + "." + process.pid), target);
renameSync(join(dir, "state", name + "." + process.pid), join(dir, "state", name));
appendFileSync(log, "effect " + name + " " + target + " " + Date.now() + "\\n");
appendFileSync(log, "end " + name + " " + process.pid + " " + Date.now() + "\\n");
finish(0);
`;

export function writeRecordingStep(dir: string): string {
  mkdirSync(join(dir, "state"), { recursive: true });
  const file = join(dir, "record-step.mjs");
  writeFileSync(file, SCRIPT);
  return file;
}

export interface RecordingOptions {
  dependsOn?: string[];
  sleepMs?: number;
  /** Seconds a child of the step sleeps, holding the step's stdout (0: none). */
  childSleep?: number;
  /** The first N applications of this component fail (exit 1) without an effect. */
  failTimes?: number;
  /** The escape-group negative control (see the top of this file). */
  escapeGroup?: boolean;
  /** `risk: {dataLoss: true}`: the step is behind the data-loss gate. */
  dataLoss?: boolean;
}

/** YAML for one recording component whose version lives in state/<name>. */
export function recordingComponent(dir: string, name: string, o: RecordingOptions = {}): string {
  const script = join(dir, "record-step.mjs");
  const args = [
    process.execPath,
    script,
    name,
    "{{target}}",
    dir,
    String(o.sleepMs ?? 0),
    String(o.childSleep ?? 0),
    String(o.failTimes ?? 0),
    o.escapeGroup ? "escape" : "",
  ];
  const risk = o.dataLoss
    ? `    risk: { dataLoss: true, summary: drops what the fault harness wrote }\n`
    : "";
  return `  ${name}:
    kind: command
    dependsOn: [${(o.dependsOn ?? []).join(", ")}]
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", name))}]
    apply: ${JSON.stringify(args)}
${risk}`;
}

export interface Applications {
  starts: Map<string, number>;
  effects: Map<string, string[]>;
  overlaps: string[];
}

export function readApplications(dir: string): Applications {
  let text = "";
  try {
    text = readFileSync(join(dir, "applications.log"), "utf8");
  } catch {
    // Nothing applied yet.
  }
  const out: Applications = { starts: new Map(), effects: new Map(), overlaps: [] };
  for (const line of text.split("\n").filter(Boolean)) {
    const [kind, name = "", a = ""] = line.split(" ");
    if (kind === "start") out.starts.set(name, (out.starts.get(name) ?? 0) + 1);
    if (kind === "effect") out.effects.set(name, [...(out.effects.get(name) ?? []), a]);
    if (kind === "overlap") out.overlaps.push(line);
  }
  return out;
}

export interface Application {
  component: string;
  pid: number;
  startedAt: number;
  rollbackId: string;
  failed: boolean;
  endedAt?: number;
}

/** Every application in the order it began, with its rollback, end and failure if recorded. */
export function readApplicationList(dir: string): Application[] {
  let text = "";
  try {
    text = readFileSync(join(dir, "applications.log"), "utf8");
  } catch {
    return [];
  }
  const list: Application[] = [];
  const byPid = new Map<string, Application>();
  for (const [kind, component = "", pid = "", at = "", rollbackId = "-"] of text
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" "))) {
    if (kind === "start") {
      const app = { component, pid: Number(pid), startedAt: Number(at), rollbackId, failed: false };
      list.push(app);
      byPid.set(`${component} ${pid}`, app);
    }
    const app = byPid.get(`${component} ${pid}`);
    if (app && kind === "fail") app.failed = true;
    if (app && kind === "end") app.endedAt = Number(at);
  }
  return list;
}

/** Pids of the descendants steps started (to check none is left). */
export function descendantPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, "descendants.log"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Alive and not a zombie (an orphan's zombie stays until some reaper collects it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
