/**
 * The rollbacks this server process runs. Each goes through the same runRollback and
 * resumeRollback as the CLI (same store, lock, queue and journal); the API answers as soon as
 * the rollback exists and the rest happens here in the background. Shutdown drains them: no new
 * step starts, running steps finish, and the rollback stays resumable by anyone.
 */
import type { Engine, PlanRequest } from "../core/engine.js";
import { toBackoutError } from "../core/errors.js";
import type { JournalListener } from "../core/journal-writer.js";
import type { Plan } from "../core/model.js";
import { resumeRollback, runRollback, type RunControl, type RunOutcome } from "../core/rollbacks.js";

export interface Started {
  rollbackId: string;
  plan: Plan;
}

interface Active {
  drain: AbortController;
  abort: AbortController;
  done: Promise<void>;
}

export interface RunnerEvents {
  onOutcome: (outcome: RunOutcome) => void;
  onFailure: (rollbackId: string | undefined, e: unknown) => void;
  listener: JournalListener;
}

export interface RunOptions {
  rollbackId?: string;
  onFailure?: (e: unknown) => void;
}

export class Runner {
  private readonly active = new Map<string, Active>();
  private readonly pending = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly engine: Engine,
    private readonly events: RunnerEvents,
  ) {}

  isActive(rollbackId: string): boolean {
    return this.active.has(rollbackId);
  }

  get size(): number {
    return this.active.size;
  }

  /** `o.rollbackId`: the id reserved for it; `o.onFailure`: it failed after it was created. */
  run(request: PlanRequest, by: string, o: RunOptions = {}): Promise<Started> {
    const reserved = o.rollbackId !== undefined ? { rollbackId: o.rollbackId } : {};
    return this.start(by, (control) => runRollback(this.engine, request, { ...control, ...reserved }), o);
  }

  resume(rollbackId: string, by: string): Promise<Started> {
    return this.start(by, (control) => resumeRollback(this.engine, rollbackId, control));
  }

  /** Resolves once the rollback exists (or rejects with why it could not be made). */
  private start(
    by: string,
    go: (control: RunControl) => Promise<RunOutcome>,
    o: RunOptions = {},
  ): Promise<Started> {
    if (this.closing) {
      return Promise.reject(
        toBackoutError(new Error("the server is shutting down; no rollback starts"), "LOCK_BUSY"),
      );
    }
    const drain = new AbortController();
    const abort = new AbortController();
    let id: string | undefined;
    return new Promise<Started>((resolve, reject) => {
      const control: RunControl = {
        wait: true,
        drain: drain.signal,
        signal: abort.signal,
        requestedBy: by,
        listeners: [this.events.listener],
        onCreated: (rollbackId, plan) => {
          id = rollbackId;
          this.active.set(rollbackId, { drain, abort, done });
          resolve({ rollbackId, plan });
        },
      };
      const done: Promise<void> = go(control).then(
        (outcome) => this.events.onOutcome(outcome),
        (e: unknown) => {
          if (id === undefined) reject(toBackoutError(e));
          else {
            this.events.onFailure(id, e);
            o.onFailure?.(e);
          }
        },
      );
      const tracked = done.finally(() => {
        if (id !== undefined) this.active.delete(id);
        this.pending.delete(tracked);
      });
      this.pending.add(tracked);
    });
  }

  /**
   * Stops a rollback that waits in this server's queue, so POST .../cancel can end it as the
   * CLI's cancel ends one queued by another process. Drain, not abort: had it just taken the
   * lock, its running step finishes. Resolves once this server no longer runs it.
   */
  async withdraw(rollbackId: string): Promise<void> {
    const a = this.active.get(rollbackId);
    if (!a) return;
    a.drain.abort();
    await a.done;
  }

  /** First stop: nothing new starts, no new step is dispatched; running steps finish. */
  async drain(): Promise<void> {
    this.closing = true;
    for (const a of this.active.values()) a.drain.abort();
    await Promise.all([...this.pending]);
  }

  /** Second stop: running steps are cancelled (their process trees ended); still resumable. */
  abort(): void {
    for (const a of this.active.values()) a.abort.abort();
  }
}
