import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { readOrFail } from "./capture.js";
import type { FileSettings } from "./settings.js";
import { sameFacts } from "./snapshot.js";
import { restoreParams } from "./step-params.js";

/** Reached when every file's content (and mode) is the checkpoint's. */
export async function verifyFiles(ctx: ProviderContext<FileSettings>, step: PlannedStep): Promise<boolean> {
  for (const f of restoreParams(step).files) {
    const live = await readOrFail(ctx, f.path, step.id);
    if (!sameFacts(live.facts, f)) return false;
  }
  return true;
}
