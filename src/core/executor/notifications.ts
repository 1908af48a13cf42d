import type { NotificationAbout } from "../checks.js";
import type { RollbackState } from "../model.js";
import type { ExecuteDeps } from "./deps.js";

/** Tells every channel; results are journalled; a failing channel never fails the rollback. */
export async function notifyAll(
  deps: ExecuteDeps,
  about: NotificationAbout,
  state: RollbackState,
  planHash: string,
  summary: string,
): Promise<void> {
  if (!deps.notify) return;
  try {
    const results = await deps.notify({
      about,
      rollbackId: deps.journal.rollbackId,
      environment: deps.config.environment,
      state,
      summary: deps.redact(summary),
      planHash,
    });
    for (const r of results) {
      await deps.journal.append({
        type: "notification",
        channel: r.channel,
        about,
        ok: r.ok,
        ...(r.error ? { error: r.error } : {}),
      });
    }
  } catch (e) {
    // The notifier promises not to throw; if it does, the journal says so and the rollback goes on.
    await deps.journal.append({
      type: "notification",
      channel: "(all)",
      about,
      ok: false,
      error: { code: "INTERNAL", message: e instanceof Error ? e.message : String(e), retryable: false },
    });
  }
}
