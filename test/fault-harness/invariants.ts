/**
 * What must hold after every trial, whatever fault was injected (issue 10): read from the
 * applications log the steps wrote (ground truth), the hook logs, and the store via the CLI.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../e2e/cli.js";
import { hookCalls } from "./hooks.js";
import { holds, type Ran } from "./processes.js";
import { descendantPids, isAlive, readApplicationList, readApplications } from "./recording-step.js";
import { CANCEL_GRACE_MS, type Scenario } from "./scenario.js";

export interface Observed {
  dir: string;
  scenario: Scenario;
  ran: Ran[];
  /** When the exact plan's confirmation was given (gated trials). */
  confirmAt: number | undefined;
}

interface Shown {
  id: string;
  state: string;
  steps: { component: string; status: string; attempts: { attempt: number }[] }[];
  gate: { decisions: { at: number; type: string; planHash?: string }[] };
  deadlineAt: number;
}

/**
 * Process start-up on a loaded 2-core machine (node, the emergency hooks) on top of the limit
 * and the cancel grace; a rollback that waits on a step's descendant (60 s) is far past it.
 */
const TIME_SLACK_MS = 10_000;
const TERMINAL = new Set(["succeeded", "failed", "escalated", "timed-out"]);

async function json<T>(dir: string, args: string[]): Promise<T> {
  const r = await cli([...args, "--json"], { cwd: dir });
  return JSON.parse(r.stdout) as T;
}

export async function checkInvariants(o: Observed): Promise<string[]> {
  const { dir, scenario: s } = o;
  const v: string[] = [];
  const status = await json<{ lock: unknown; queue: unknown[]; interrupted: unknown[] }>(dir, ["status"]);
  if (status.lock !== null) v.push(`lock not free at the end: ${JSON.stringify(status.lock)}`);
  if (status.queue.length) v.push(`queue not empty at the end: ${JSON.stringify(status.queue)}`);
  if (status.interrupted.length) v.push(`interrupted rollbacks left: ${JSON.stringify(status.interrupted)}`);

  const history = await json<{ id: string; state: string; planHash: string }[]>(dir, ["history"]);
  const shown: Shown[] = [];
  for (const h of history) {
    if (!TERMINAL.has(h.state)) v.push(`rollback ${h.id} ended ${h.state} (lost or not finished)`);
    shown.push(await json<Shown>(dir, ["show", h.id]));
  }

  // Exactly once, never overlapping.
  const apps = readApplications(dir);
  const list = readApplicationList(dir);
  v.push(...apps.overlaps.map((l) => `overlapping applications: ${l}`));
  const allDead = await holds(
    "step processes to end",
    () => list.every((a) => !isAlive(a.pid)) && descendantPids(dir).every((p) => !isAlive(p)),
    5000,
  );
  if (!allDead) v.push("a step process or descendant outlived the rollback");
  for (const c of s.components) {
    const effects = apps.effects.get(c.name) ?? [];
    if (effects.length > 1) v.push(`${c.name} applied ${effects.length} times: ${effects.join(",")}`);
    const succeeded = shown.some((r) =>
      r.steps.some((st) => st.component === c.name && st.status === "succeeded"),
    );
    if (succeeded && effects.length !== 1)
      v.push(`${c.name}'s step succeeded but took effect ${effects.length} times`);
    const state = readFileSync(join(dir, "state", c.name), "utf8");
    if (succeeded && state !== "v1") v.push(`${c.name}'s step succeeded but its state is ${state}`);
  }

  // Attempts ≤ maxAttempts per rollback, counted from what really started and from the journal.
  const perRollback = new Map<string, number>();
  for (const a of list)
    perRollback.set(
      `${a.rollbackId} ${a.component}`,
      (perRollback.get(`${a.rollbackId} ${a.component}`) ?? 0) + 1,
    );
  for (const [key, n] of perRollback)
    if (n > s.maxAttempts) v.push(`${key}: ${n} applications started, maxAttempts ${s.maxAttempts}`);
  // An attempt cut off before its program started is made again under the same number.
  for (const r of shown)
    for (const st of r.steps) {
      const n = new Set(st.attempts.map((a) => a.attempt)).size;
      if (n > s.maxAttempts) v.push(`${r.id} ${st.component}: ${n} attempts journalled`);
    }

  // Hooks: at least once per event, one idempotency key per event, none for events that did not happen.
  const escalations = hookCalls(join(dir, "escalation.jsonl"));
  for (const r of shown) {
    const mine = escalations.filter((c) => c.env?.startsWith(`${r.id}:`));
    if (r.state === "escalated" && mine.length === 0)
      v.push(`${r.id} escalated; the escalation hook never ran`);
    if (r.state !== "escalated" && mine.length > 0)
      v.push(`${r.id} ended ${r.state}; the escalation hook ran`);
    if (new Set(mine.map((c) => c.env)).size > 1) v.push(`${r.id}: escalation hook runs with different keys`);
    if (mine.some((c) => c.stdin.idempotencyKey !== c.env))
      v.push(`${r.id}: escalation key on stdin differs from the environment's`);
    for (let i = 0; i < s.emergencyCommands; i++) {
      const calls = hookCalls(join(dir, `emergency-${i}.jsonl`)).filter((c) => c.env?.startsWith(`${r.id}:`));
      if (r.state === "timed-out" && calls.length === 0)
        v.push(`${r.id} timed out; emergency command e${i} never ran`);
      if (r.state !== "timed-out" && calls.length > 0)
        v.push(`${r.id} ended ${r.state}; emergency command e${i} ran`);
      if (new Set(calls.map((c) => c.env)).size > 1)
        v.push(`${r.id}: emergency e${i} runs with different keys`);
    }
    // A timed-out rollback ends within limit + grace, with no descendant left (checked above).
    if (r.state === "timed-out") {
      const late = o.ran.filter(
        (p) =>
          p.exitCode === 5 &&
          p.startedAt < r.deadlineAt &&
          p.endedAt > r.deadlineAt + CANCEL_GRACE_MS + TIME_SLACK_MS,
      );
      for (const p of late)
        v.push(`${r.id}: \`${p.args.join(" ")}\` ended ${p.endedAt - r.deadlineAt} ms after the deadline`);
    }
  }

  // The data-loss gate: nothing ran before the exact plan's confirmation, and only that hash passed it.
  if (s.gated) {
    const early = list.filter((a) => o.confirmAt === undefined || a.startedAt < o.confirmAt);
    if (early.length) v.push(`gate: ${early.length} application(s) began before the confirmation`);
    const byId = new Map(history.map((h) => [h.id, h.planHash]));
    for (const r of shown)
      for (const d of r.gate.decisions)
        if (
          d.type === "approved" &&
          (d.planHash !== byId.get(r.id) || (o.confirmAt !== undefined && d.at < o.confirmAt))
        )
          v.push(
            `gate: ${r.id} approved with hash ${d.planHash ?? "?"} at ${d.at}, not by the exact confirmation`,
          );
  }

  for (const p of o.ran) {
    const out = p.stdout + p.stderr;
    if (p.hung) v.push(`\`${p.args.join(" ")}\` hung (killed by the watchdog)`);
    if (/INTERNAL|Unhandled|^\s+at .+:\d+:\d+\)?$/m.test(out))
      v.push(`\`${p.args.join(" ")}\` (exit ${p.exitCode}) crashed: ${out.slice(-400)}`);
  }
  return v;
}
