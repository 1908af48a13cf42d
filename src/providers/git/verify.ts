import type { PlannedStep } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { readHead, remoteTip, trackedChanges } from "./facts.js";
import { openRepo } from "./repo.js";
import { type GitSettings, readSettings } from "./settings.js";
import { gitParams } from "./step-params.js";

/** Reached: HEAD has the target's tree, nothing is changed locally, and the remote (if pushed to) has HEAD. */
export async function verifyGit(ctx: ProviderContext<GitSettings>, step: PlannedStep): Promise<boolean> {
  const settings = readSettings(ctx);
  const p = gitParams(step);
  const repo = await openRepo(ctx, settings, { step: step.id });
  const head = await readHead(repo);
  if (head.tree !== p.targetTree) return false;
  if ((await trackedChanges(repo)).length > 0) return false;
  if (p.remote === null || p.branch === null) return true;
  return (await remoteTip(repo, p.remote, p.branch)) === head.sha;
}
