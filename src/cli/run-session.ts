import { createInterface } from "node:readline/promises";
import type { JournalEntry } from "../core/journal-events.js";
import type { Plan } from "../core/model.js";
import type { RunControl, RunOutcome } from "../core/rollbacks.js";
import { createProgressRenderer, type ProgressRenderer } from "./progress/index.js";
import { EXIT, exitCodeForState } from "./exit-codes.js";
import { err, out } from "./output.js";
import { planText } from "./plan-text.js";
import { terminalWidth } from "./text-wrap.js";
import { stopSignals } from "./stop-signals.js";

export interface SessionOptions {
  json: boolean;
  wait: boolean;
  confirm?: string;
  maxAttempts: number;
  /** Who runs it (journalled as requestedBy / resumed.by, and the confirmer for --confirm and the prompt). */
  by: string;
  /** The rollback's journal before this process (resume): progress counts the steps done then. */
  history?: readonly JournalEntry[];
}

/**
 * What run, resume and approve share: progress rendering, the TTY confirmation prompt,
 * Ctrl-C handling, and the final line with the exit code.
 */
export async function runSession(
  options: SessionOptions,
  start: (control: RunControl) => Promise<RunOutcome>,
): Promise<number> {
  const interactive = !options.json && process.stdin.isTTY && process.stdout.isTTY;
  const mode = options.json ? "json" : process.stdout.isTTY ? "tty" : "lines";
  let renderer: ProgressRenderer | undefined;
  const early: JournalEntry[] = [];
  const stops = stopSignals();
  const control: RunControl = {
    wait: options.wait,
    requestedBy: options.by,
    confirmedBy: options.by,
    signal: stops.abort,
    drain: stops.drain,
    listeners: [stops.track, (e) => (renderer ? renderer.onEvent(e) : early.push(e))],
    onCreated: (id: string, plan: Plan) => {
      if (!options.json) err(`rollback ${id}: plan ${plan.hash.slice(0, 12)}, ${plan.steps.length} step(s)`);
      renderer = createProgressRenderer(mode, process.stdout, plan, {
        maxAttempts: options.maxAttempts,
        ...(options.history ? { history: options.history } : {}),
      });
      for (const e of early.splice(0)) renderer.onEvent(e);
    },
    onWaiting: ({ position, lock, note }) => {
      if (position < 0) {
        if (!options.json && note) err(`waiting: ${note}`);
        return;
      }
      const msg = lock ? `rollback ${lock.rollbackId} holds the environment` : "others are queued first";
      if (!options.json) err(`waiting: ${msg}; queue position ${position}${note ? `\n  ${note}` : ""}`);
    },
    ...(options.confirm !== undefined ? { confirmHash: options.confirm } : {}),
    ...(interactive ? { prompt: confirmPrompt } : {}),
  };
  let outcome: RunOutcome;
  try {
    outcome = await start(control);
  } finally {
    stops.dispose();
    await renderer?.close();
  }
  if (options.json) {
    out(JSON.stringify({ result: outcome }));
  } else {
    err(describeOutcome(outcome));
    for (const w of outcome.warnings ?? []) err(`warning: ${w}`);
  }
  if (outcome.takenOver) return EXIT.lockBusy;
  return exitCodeForState(outcome.state);
}

function describeOutcome(o: RunOutcome): string {
  if (o.takenOver) {
    return `rollback ${o.rollbackId} was taken over by another backout process, which continues it; this one stopped. Follow it with \`backout status\`.`;
  }
  switch (o.state) {
    case "succeeded":
      return `rollback ${o.rollbackId} succeeded. Report: backout report ${o.rollbackId}`;
    case "awaiting-confirmation":
      return (
        `rollback ${o.rollbackId} is waiting: ${o.reason ?? "a data-loss step needs confirmation"}.\n` +
        `  review it with \`backout show ${o.rollbackId}\`, then \`backout approve ${o.rollbackId} --plan-hash ${o.planHash.slice(0, 12)}\``
      );
    case "running":
    case "queued":
      return o.reason?.startsWith("monitor blind")
        ? `rollback ${o.rollbackId} is paused: ${o.reason}`
        : `rollback ${o.rollbackId} was interrupted. Resume with \`backout resume ${o.rollbackId}\`.`;
    default:
      return `rollback ${o.rollbackId} ended ${o.state}${o.reason ? `: ${o.reason}` : ""}. Report: backout report ${o.rollbackId}`;
  }
}

async function confirmPrompt(plan: Plan): Promise<boolean> {
  err(planText(plan, { width: terminalWidth(process.stderr) }));
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `\nType "yes" to confirm plan ${plan.hash.slice(0, 12)} with its data-loss steps: `,
    );
    return answer.trim().toLowerCase() === "yes";
  } finally {
    rl.close();
  }
}
