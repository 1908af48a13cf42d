/**
 * One fault-harness trial: build the seed's environment, take the good checkpoint, "deploy" v2,
 * then roll back with the real CLI while injecting the seed's fault, drive `resume` (and
 * `approve`) until the rollback is over, and check the invariants (invariants.ts).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { prng, randInt } from "../../bench/lib.js";
import { tempDir } from "../e2e/cli.js";
import {
  damageStore,
  digest,
  fillDisk,
  freeDisk,
  mountTinyStore,
  restoreStore,
  storeFile,
  unmountStore,
} from "./faults.js";
import { checkInvariants, type Observed } from "./invariants.js";
import { holds, launch, sleep, untilNewApplication, type Ran, type Running } from "./processes.js";
import { readApplicationList } from "./recording-step.js";
import { makeScenario, writeEnvironment, type Scenario, type ScenarioOptions } from "./scenario.js";

export interface TrialResult {
  seed: number;
  scenario: Scenario;
  /** The faults actually injected, by kind (a kill that came after the process ended is not one). */
  injected: string[];
  skipped: string[];
  violations: string[];
  durationMs: number;
  dir: string;
}

interface Status {
  lock: unknown;
  queue: unknown[];
  interrupted: { id: string }[];
  latest: { id: string; state: string; planHash: string } | null;
}

class Trial {
  readonly ran: Ran[] = [];
  readonly injected: string[] = [];
  readonly skipped: string[] = [];
  readonly violations: string[] = [];
  readonly rand: () => number;
  confirmAt: number | undefined;
  constructor(
    readonly dir: string,
    readonly s: Scenario,
  ) {
    // Instants drawn while the trial runs come from their own stream, seeded by the same seed.
    this.rand = prng(s.seed ^ 0x5bd1e995);
  }

  async cli(args: string[], env: Record<string, string> = {}): Promise<Ran> {
    return this.record(launch(this.dir, args, env));
  }

  async record(p: Running): Promise<Ran> {
    const r = await p.done;
    this.ran.push(r);
    return r;
  }

  async status(): Promise<Status | undefined> {
    const r = await this.cli(["status", "--json"]);
    try {
      return JSON.parse(r.stdout) as Status;
    } catch {
      this.violations.push(`status --json failed (exit ${r.exitCode}): ${r.stderr.slice(0, 300)}`);
      return undefined;
    }
  }

  kill(p: Running, kind: string, signal: NodeJS.Signals = "SIGKILL"): void {
    if (p.child.exitCode === null && p.child.signalCode === null && p.child.kill(signal)) {
      p.fault(signal);
      if (signal !== "SIGCONT") this.injected.push(kind);
    }
  }

  /** The first process that runs steps: `run`, or `approve` once the gate has been tested. */
  async mainArgs(): Promise<string[]> {
    if (!this.s.gated) return ["run"];
    const waiting = await this.cli(["run", "--json"]);
    const result = (
      JSON.parse(waiting.stdout.trim().split("\n").at(-1) ?? "{}") as {
        result?: { rollbackId: string; planHash: string; state: string };
      }
    ).result;
    if (waiting.exitCode !== 3 || !result) {
      this.violations.push(`gate: run without a confirmation exited ${waiting.exitCode}, not 3`);
      return ["run"];
    }
    const wrong = `${result.planHash.slice(0, -4)}${result.planHash.endsWith("0000") ? "1111" : "0000"}`;
    const refused = await this.cli(["approve", result.rollbackId, "--plan-hash", wrong]);
    if (refused.exitCode === 0) this.violations.push("gate: approve with another plan's hash passed");
    if (readApplicationList(this.dir).length > 0)
      this.violations.push("gate: a step ran before the exact plan was confirmed");
    this.confirmAt = Date.now();
    return ["approve", result.rollbackId, "--plan-hash", result.planHash];
  }

  async main(): Promise<void> {
    const s = this.s;
    const args = await this.mainArgs();
    const env: Record<string, string> = s.fault === "kill-at-write" ? { BACKOUT_FAILPOINT: s.failpoint } : {};
    const before = readApplicationList(this.dir).length;
    const p = launch(this.dir, args, env);
    if (s.fault === "kill-at-write") p.fault(s.failpoint);
    if (s.fault === "kill-random") {
      await Promise.race([sleep(s.killDelayMs), p.done]);
      this.kill(p, "kill-random");
    }
    if (s.fault === "kill-mid-step" || s.fault === "store-damage") {
      if (await untilNewApplication(this.dir, before, p)) this.kill(p, "kill-mid-step");
    }
    if (s.fault === "time-limit" && s.extraKills > 0) {
      await Promise.race([sleep(randInt(this.rand, 0, 2000)), p.done]);
      this.kill(p, "kill-random");
    }
    if (s.fault === "stall") await this.stall(p, before);
    if (s.fault === "disk-full" && (await untilNewApplication(this.dir, before, p))) {
      fillDisk(this.dir);
      this.injected.push("disk-full");
      const r = await this.record(p);
      freeDisk(this.dir);
      const out = r.stdout + r.stderr;
      if (![0, 1, 3, 5].includes(r.exitCode) && !(out.includes("STORE_FAILED") && /disk is full/i.test(out)))
        this.violations.push(
          `disk full: exit ${r.exitCode} without STORE_FAILED "disk is full": ${out.slice(-400)}`,
        );
      return;
    }
    const r = await this.record(p);
    if (s.fault === "kill-at-write" && r.signal === "SIGKILL") this.injected.push("kill-at-write");
    if (s.fault === "store-damage") await this.damage();
  }

  /** SIGSTOP the holder mid-step past its lease while another `run` queues, then SIGCONT. */
  async stall(holder: Running, before: number): Promise<void> {
    if (!(await untilNewApplication(this.dir, before, holder))) return;
    this.kill(holder, "stall", "SIGSTOP");
    const waiter = launch(this.dir, ["run"]);
    const saw = await holds(
      "the waiter to see the stall",
      () => waiter.stderr().includes("stalled, not gone"),
      20_000,
    );
    this.kill(holder, "stall", "SIGCONT");
    if (!saw)
      this.violations.push(
        `stall: the queued run never said the holder is stalled: ${waiter.stderr().slice(-300)}`,
      );
    const w = await this.record(waiter);
    if (w.exitCode === 4)
      this.violations.push(`stall: the queued run was dropped (exit 4): ${w.stderr.slice(-300)}`);
  }

  /** After a crash: damage the store; every command must refuse it and leave it as it is. */
  async damage(): Promise<void> {
    const saved = damageStore(this.dir, this.s.damage);
    this.injected.push(`store-damage:${this.s.damage}`);
    const damaged = digest(storeFile(this.dir));
    for (const args of [["status"], ["resume"]]) {
      const r = await this.cli(args);
      const out = r.stdout + r.stderr;
      if (r.exitCode === 0 || !out.includes("STORE_DAMAGED"))
        this.violations.push(
          `store ${this.s.damage}: \`${args.join(" ")}\` exited ${r.exitCode} without STORE_DAMAGED: ${out.slice(-300)}`,
        );
    }
    if (digest(storeFile(this.dir)) !== damaged)
      this.violations.push(`store ${this.s.damage}: the damaged file was changed`);
    restoreStore(this.dir, saved);
  }

  /** resume / approve / run until nothing is interrupted or waiting; later resumes may be killed. */
  async drive(): Promise<void> {
    let kills = this.s.fault === "time-limit" ? 0 : this.s.extraKills;
    for (let round = 0; round < 12; round++) {
      const st = await this.status();
      if (!st) return;
      let args: string[];
      const interrupted = st.interrupted[0];
      if (interrupted) args = ["resume", interrupted.id];
      else if (st.latest?.state === "awaiting-confirmation")
        args = ["approve", st.latest.id, "--plan-hash", st.latest.planHash];
      else if (!st.latest) args = ["run"];
      else return;
      const p = launch(this.dir, args);
      if (kills > 0) {
        kills -= 1;
        await Promise.race([sleep(randInt(this.rand, 0, 1500)), p.done]);
        this.kill(p, "kill-on-resume");
      }
      await this.record(p);
    }
    this.violations.push("the rollback did not end within 12 resumes");
  }
}

export async function runTrial(seed: number, opts: ScenarioOptions = {}): Promise<TrialResult> {
  const t0 = Date.now();
  const s = makeScenario(seed, opts);
  const dir = tempDir(`fault-${seed}`);
  const t = new Trial(dir, s);
  let mounted = false;
  try {
    writeEnvironment(dir, s);
    if (s.fault === "disk-full") {
      mounted = mountTinyStore(dir);
      if (!mounted) t.skipped.push("disk-full (no tmpfs: needs root)");
    }
    const cp = await t.cli(["checkpoint", "--good", "--name", "v1"]);
    if (cp.exitCode !== 0) throw new Error(`checkpoint failed: ${cp.stderr}`);
    for (const c of s.components) writeFileSync(join(dir, "state", c.name), "v2");
    await t.main();
    await t.drive();
    if (s.fault === "time-limit") t.injected.push("time-limit");
    const observed: Observed = { dir, scenario: s, ran: t.ran, confirmAt: t.confirmAt };
    t.violations.push(...(await checkInvariants(observed)));
  } catch (e) {
    t.violations.push(`harness error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  } finally {
    if (mounted) unmountStore(dir);
  }
  if (t.violations.length === 0 && !process.env.BACKOUT_KEEP_TEMP)
    rmSync(dir, { recursive: true, force: true });
  return {
    seed,
    scenario: s,
    injected: t.injected,
    skipped: t.skipped,
    violations: t.violations,
    durationMs: Date.now() - t0,
    dir,
  };
}
