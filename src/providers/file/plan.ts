import { BackoutError } from "../../core/errors.js";
import type { ComponentState, StepSpec } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { blobPath, hasBlob, SHA256 } from "./blobs.js";
import { readOrFail } from "./capture.js";
import { readSettings, type FileSettings } from "./settings.js";
import { ABSENT, resolvePath, sameFacts } from "./snapshot.js";
import { filesOf } from "./state.js";
import type { RestoreFile, RestoreParams } from "./step-params.js";

const PER_FILE_MS = 20;
const RELOAD_GUESS_MS = 2_000;

/** One `restore-files` step for the files whose content or mode differs; refused when a copy is missing. */
export async function planFiles(
  ctx: ProviderContext<FileSettings>,
  current: ComponentState,
  target: ComponentState,
): Promise<StepSpec[]> {
  const settings = readSettings(ctx);
  const where = { component: ctx.component.name };
  const wanted = filesOf(target);
  if (wanted === undefined) {
    throw new BackoutError("PLAN_INVALID", "the checkpoint has no file list for this component", {
      where,
      hint: "The checkpoint was not taken by the file provider; take a new checkpoint or pick another.",
    });
  }
  const blobs = resolvePath(ctx.baseDir, settings.blobs);
  const files: RestoreFile[] = [];
  // The live files, not `current`: plan must see what apply will overwrite.
  for (const [path, facts] of Object.entries(wanted)) {
    const live = await readOrFail(ctx, path);
    if (sameFacts(live.facts, facts)) continue;
    if (facts.sha !== ABSENT && (!SHA256.test(facts.sha) || !(await hasBlob(blobs, facts.sha)))) {
      throw new BackoutError(
        "PLAN_INVALID",
        ctx.redact(`no copy of ${path} as it was: blob ${blobPath(blobs, facts.sha)} is missing`),
        {
          where: { ...where, field: "blobs" },
          hint: "The blob store was cleaned or moved (check the blobs setting); restore the blob or pick another checkpoint.",
          details: { file: path, blob: facts.sha },
        },
      );
    }
    files.push({ path, abs: resolvePath(ctx.baseDir, path), ...facts });
  }
  if (files.length === 0) return [];
  const params: RestoreParams = { blobs, files };
  const names = files.map((f) => f.path);
  return [
    {
      action: "restore-files",
      description: ctx.redact(
        `restore ${names.join(", ")} of ${ctx.component.name} (was ${current.version})`,
      ),
      target: { version: target.version, details: { files: { ...wanted } } },
      params: { ...params },
      risk: {
        dataLoss: false,
        summary: `replaces ${files.length} file(s) atomically; their current contents are first copied to ${settings.blobs} so they can be brought back`,
      },
      reversible: true,
      estimateMs: PER_FILE_MS * files.length + (settings.reload ? RELOAD_GUESS_MS : 0),
    },
  ];
}
