/**
 * A `command` component whose apply records every application with its time span in
 * applications.log, in the environment's directory:
 *   start <component> <pid> <ms>        the application began
 *   effect <component> <target> <ms>    its effect happened (the state file was written)
 *   end <component> <pid> <ms>          it finished
 *   overlap <component> <pid> <by-pid>  it began while an earlier application (pid) was still alive
 * An application killed midway has a start and no end; the next one checks whether that earlier
 * process is still alive, which is what makes an overlap visible even across SIGKILLs.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const SCRIPT = `import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { join } from "node:path";
const [name, target, dir, sleepMs, childSleep] = process.argv.slice(2);
const log = join(dir, "applications.log");
const lines = existsSync(log) ? readFileSync(log, "utf8").split("\\n").filter(Boolean).map((l) => l.split(" ")) : [];
const open = new Set();
for (const l of lines) {
  if (l[0] === "start" && l[1] === name) open.add(l[2]);
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
appendFileSync(log, "start " + name + " " + process.pid + " " + Date.now() + "\\n");
if (childSleep && childSleep !== "0") {
  // A descendant that outlives nothing on purpose: it holds stdout and records its pid.
  const c = spawn("sleep", [childSleep], { stdio: ["ignore", "inherit", "inherit"] });
  appendFileSync(join(dir, "descendants.log"), c.pid + "\\n");
}
await new Promise((r) => setTimeout(r, Number(sleepMs)));
writeFileSync(join(dir, "state", name), target);
appendFileSync(log, "effect " + name + " " + target + " " + Date.now() + "\\n");
appendFileSync(log, "end " + name + " " + process.pid + " " + Date.now() + "\\n");
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
  ];
  return `  ${name}:
    kind: command
    dependsOn: [${(o.dependsOn ?? []).join(", ")}]
    capture: ["/bin/cat", ${JSON.stringify(join(dir, "state", name))}]
    apply: ${JSON.stringify(args)}
`;
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
