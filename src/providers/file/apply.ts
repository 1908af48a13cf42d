import { durationMs } from "../../config/durations.js";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";
import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext, StepResult } from "../../core/provider.js";
import { runCommandOk } from "../../process/run-command.js";
import { writeAtomically, removeFile } from "../../fs/atomic-write.js";
import { blobPath, readBlob } from "./blobs.js";
import { readOrFail, reason, storeOrFail } from "./capture.js";
import { readSettings, type FileSettings } from "./settings.js";
import { ABSENT, sameFacts } from "./snapshot.js";
import { modeBits } from "./state.js";
import { type RestoreFile, restoreParams } from "./step-params.js";

const OUTPUT_TAIL = 2000;
type Ctx = ProviderContext<FileSettings>;

/**
 * Restores each file that is not already right (so a repeat only reloads again): its current
 * content goes to the blob store first, then the old content is swapped in atomically, or
 * the file is removed when it did not exist at the checkpoint. Then the reload command.
 */
export async function applyFiles(ctx: Ctx, step: PlannedStep): Promise<StepResult> {
  const settings = readSettings(ctx);
  const p = restoreParams(step);
  const where: ErrorLocation = { component: ctx.component.name, step: step.id };
  const lines: string[] = [];
  for (const f of p.files) {
    if (ctx.signal.aborted)
      throw new BackoutError("STEP_CANCELLED", "step cancelled between files", { where });
    lines.push(await restoreOne(ctx, p.blobs, f, where));
  }
  if (settings.reload) {
    const out = await runCommandOk({
      argv: settings.reload.command,
      cwd: ctx.baseDir,
      env: { ...ctx.env, BACKOUT_COMPONENT: ctx.component.name },
      timeoutMs: durationMs(settings.reload.timeout),
      signal: ctx.signal,
      redact: (t) => ctx.redact(t),
      where,
    });
    const said = [out.stdout, out.stderr].filter((s) => s !== "").join("\n");
    lines.push(said === "" ? "reloaded" : `reload: ${said}`);
  }
  const text = ctx.redact(lines.join("\n"));
  return { output: text.length > OUTPUT_TAIL ? `…${text.slice(-OUTPUT_TAIL)}` : text };
}

async function restoreOne(ctx: Ctx, blobs: string, f: RestoreFile, where: ErrorLocation): Promise<string> {
  const live = await readOrFail(ctx, f.path, where.step);
  if (sameFacts(live.facts, f)) return `${f.path}: already as at the checkpoint`;
  const saved =
    live.content === undefined
      ? ""
      : ` (previous content kept as blob ${await storeOrFail(ctx, blobs, live.content, where.step)})`;
  try {
    if (f.sha === ABSENT) {
      await removeFile(live.real);
      return `${f.path}: removed${saved}`;
    }
    const content = await readBlob(blobs, f.sha);
    if (content === undefined) {
      throw new BackoutError(
        "PLAN_INVALID",
        `blob ${blobPath(blobs, f.sha)} for ${f.path} is missing or damaged`,
        {
          where,
          hint: "Restore the blob store (or pick another checkpoint) and plan again.",
        },
      );
    }
    const mode = modeBits(f.mode) ?? modeBits(live.facts.mode) ?? 0o644;
    const note = await writeAtomically({ path: live.real, content, mode, uid: f.uid, gid: f.gid });
    return `${f.path}: restored${saved}${note === undefined ? "" : `; ${note}`}`;
  } catch (e) {
    if (e instanceof BackoutError) throw e;
    throw new BackoutError("PROVIDER_FAILED", `cannot restore ${f.path}: ${reason(e)}`, {
      where,
      cause: e,
      retryable: true,
      hint: "Check that backout may write the file's directory; the file itself is unchanged.",
    });
  }
}
