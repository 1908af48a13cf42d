/**
 * A live task list (listr2) for terminals: one task per plan step. listr2 wants to drive
 * its tasks, but here the engine does; so each task only awaits a deferred that the
 * step's terminal journal event settles, and listr2 just draws.
 */
import {
  Listr,
  ListrLogger,
  ProcessOutput,
  type ListrTask,
  type ListrTaskWrapper,
  type DefaultRenderer,
  type SimpleRenderer,
} from "listr2";
import { stateAfter, type JournalEntry } from "../../core/journal-events.js";
import type { Plan, PlannedStep, RollbackState } from "../../core/model.js";
import { formatDuration, formatErrorShort, oneLine, shortHash } from "../../report/format.js";
import { createDeferred, type Deferred } from "./deferred.js";
import type { ProgressOptions, ProgressRenderer } from "./progress-renderer.js";

type Wrapper = ListrTaskWrapper<object, typeof DefaultRenderer, typeof SimpleRenderer>;

/** How a step's task ends: done (with a suffix for the title) or skipped with a reason. */
type StepEnd = { kind: "done"; suffix: string } | { kind: "skip"; reason: string };

interface StepTask {
  step: PlannedStep;
  title: string;
  end: Deferred<StepEnd>;
  wrapper?: Wrapper;
  /** Output set before listr2 started the task; applied when it does. */
  pendingOutput?: string;
  started: boolean;
}

export class TtyProgressRenderer implements ProgressRenderer {
  private readonly tasks = new Map<string, StepTask>();
  private readonly done: Promise<void>;
  private state: RollbackState = "queued";
  private closing: Promise<void> | undefined;
  /** The simple (line) renderer prints outputs without their task, so they name their step. */
  private readonly plain: boolean;

  constructor(
    out: NodeJS.WritableStream,
    plan: Plan,
    private readonly options: ProgressOptions = {},
  ) {
    // listr2 draws its live list only when process.stdout is a TTY; `out` must be one too.
    this.plain = (out as NodeJS.WriteStream).isTTY !== true || process.stdout.isTTY !== true;
    for (const step of plan.steps) {
      this.tasks.set(step.id, {
        step,
        title: `${step.component}: ${step.description}`,
        end: createDeferred<StepEnd>(),
        started: false,
      });
    }
    // Steps finished before a resume are drawn done, so the list ends complete.
    for (const { event } of options.history ?? []) {
      if (event.type !== "step-succeeded") continue;
      const t = this.tasks.get(event.stepId);
      if (t && !t.end.settled) t.end.resolve({ kind: "done", suffix: " (done before the resume)" });
    }
    const listr = new Listr<object, "default", "simple">(
      [...this.tasks.values()].map((t) => this.listrTask(t)),
      listrOptions(out, this.plain),
    );
    // exitOnError is off, so run() should not reject; a renderer failure must still not escape.
    this.done = listr.run().then(
      () => undefined,
      () => undefined,
    );
  }

  onEvent(entry: JournalEntry): void {
    if (this.closing) return;
    const { event } = entry;
    this.state = stateAfter(event) ?? this.state;
    switch (event.type) {
      case "step-started":
        this.withTask(event.stepId, (t) => {
          t.started = true;
          this.setOutput(t, this.attemptText(event.attempt));
        });
        return;
      case "step-verified":
        this.withTask(event.stepId, (t) =>
          this.setOutput(
            t,
            event.reached ? "verified: already at target" : "verified: not at target, will run",
          ),
        );
        return;
      case "step-succeeded":
        this.withTask(event.stepId, (t) => {
          if (event.skipped === "already-at-target") {
            t.end.resolve({ kind: "skip", reason: "already at target" });
            return;
          }
          const attempt = event.attempt > 1 ? `attempt ${event.attempt}, ` : "";
          t.end.resolve({ kind: "done", suffix: ` (${attempt}${formatDuration(event.durationMs)})` });
        });
        return;
      case "step-failed":
        this.withTask(event.stepId, (t) => {
          const message = `${this.attemptText(event.attempt)} failed: ${formatErrorShort(event.error, 200)}`;
          if (event.willRetry) {
            this.setOutput(t, `${message}; retrying in ${formatDuration(event.retryInMs ?? 0)}`);
          } else {
            t.end.reject(new Error(message));
          }
        });
        return;
      case "step-cancelled":
        this.withTask(event.stepId, (t) =>
          t.end.reject(new Error(`cancelled: ${oneLine(event.reason, 200)}`)),
        );
        return;
      case "gate-waiting":
        for (const id of event.steps) {
          this.withTask(id, (t) =>
            this.setOutput(
              t,
              `may lose data: waiting for confirmation of plan ${shortHash(event.planHash)} (backout approve ${entry.rollbackId} --plan-hash ${shortHash(event.planHash)})`,
            ),
          );
        }
        return;
      case "gate-approved":
        for (const t of this.tasks.values()) {
          if (!t.started && t.step.risk.dataLoss) this.setOutput(t, `approved by ${event.by}`);
        }
        return;
      case "finished":
        this.skipUnfinished(`not run: rollback ${event.state}`);
        return;
      default:
        return;
    }
  }

  close(): Promise<void> {
    // Events may simply have stopped (a paused gate, an interrupted run): end what is left.
    this.closing ??= (async () => {
      this.skipUnfinished(`not run: rollback ${this.state}`);
      await this.done;
    })();
    return this.closing;
  }

  private listrTask(t: StepTask): ListrTask<object, typeof DefaultRenderer, typeof SimpleRenderer> {
    return {
      title: t.title,
      // Only the latest line while running; a finished task's title says how it ended.
      rendererOptions: { outputBar: 1, persistentOutput: false },
      task: async (_ctx, wrapper) => {
        t.wrapper = wrapper;
        if (t.pendingOutput !== undefined) wrapper.output = t.pendingOutput;
        else if (!this.plain) wrapper.output = "waiting";
        const end = await t.end.promise; // rejects on failure: listr2 marks the task failed
        if (end.kind === "skip") wrapper.skip(end.reason);
        else wrapper.title = `${t.title}${end.suffix}`;
      },
    };
  }

  private withTask(stepId: string, fn: (t: StepTask) => void): void {
    const t = this.tasks.get(stepId);
    if (t && !t.end.settled) fn(t);
  }

  private setOutput(t: StepTask, message: string): void {
    const text = this.plain ? `${t.step.id}: ${message}` : message;
    t.pendingOutput = text;
    if (t.wrapper) t.wrapper.output = text;
  }

  private skipUnfinished(reason: string): void {
    for (const t of this.tasks.values()) {
      if (t.end.settled) continue;
      t.end.resolve({ kind: "skip", reason: t.started ? "no result recorded" : reason });
    }
  }

  private attemptText(attempt: number): string {
    const max = this.options.maxAttempts;
    return max === undefined ? `attempt ${attempt}` : `attempt ${attempt}/${max}`;
  }
}

function listrOptions(out: NodeJS.WritableStream, plain: boolean) {
  // listr2 types its streams as TTY streams; it only writes to them (and reads isTTY/columns).
  const stream = out as NodeJS.WriteStream;
  // While the live list is drawn, listr2 buffers writes to both streams it holds; holding the
  // other standard stream too keeps stray log lines from tearing the display.
  const other =
    stream === process.stdout ? process.stderr : stream === process.stderr ? process.stdout : stream;
  const processOutput = new ProcessOutput(stream, other);
  return {
    concurrent: true,
    exitOnError: false,
    // The engine owns SIGINT (it cancels running steps); listr2's handler would exit the process.
    registerSignalListeners: false,
    renderer: "default" as const,
    fallbackRenderer: "simple" as const,
    fallbackRendererCondition: plain,
    rendererOptions: {
      logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput }),
      collapseSubtasks: false,
      collapseSkips: false,
      collapseErrors: false,
      showSkipMessage: true,
      suffixSkips: true,
      showErrorMessage: true,
      formatOutput: "wrap" as const,
    },
    fallbackRendererOptions: {
      logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput }),
    },
  };
}
