/** `backout doctor` for a git component: the working copy, a clean tree, the branch, the remote answering. */
import { checked, fail, warn, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { openRepo, type Repo } from "./repo.js";
import { readSettings, type GitSettings } from "./settings.js";

export async function doctorGit(ctx: ProviderContext<GitSettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  let repo: Repo | undefined;
  const checks: DoctorCheck[] = [
    await checked("working copy", async () => {
      repo = await openRepo(ctx, settings);
      const head = await repo.run(["rev-parse", "--short", "HEAD"]);
      return `${repo.dir} at ${head}`;
    }),
  ];
  if (repo === undefined) return checks;
  const r = repo;
  checks.push(
    await checked("clean", async () => {
      const status = await r.run(["status", "--porcelain", "--untracked-files=no"]);
      if (status === "") return "no uncommitted changes";
      return fail(
        "clean",
        `uncommitted changes: ${status.split("\n").slice(0, 5).join("; ")}`,
        `Commit or discard them in ${r.dir}: a rollback refuses a dirty working copy.`,
      );
    }),
  );
  if (settings.branch !== undefined) {
    const branch = settings.branch;
    checks.push(
      await checked("branch", async () => {
        const on = await r.run(["rev-parse", "--abbrev-ref", "HEAD"]);
        if (on === branch) return `on ${branch}`;
        return fail(
          "branch",
          `on ${on}, not ${branch}`,
          `Check out ${branch} in ${r.dir}, or change branch: in backout.yaml.`,
        );
      }),
    );
  }
  const remote = settings.remote;
  if (remote !== undefined) {
    checks.push(
      await checked("remote", async () => {
        await r.run(["ls-remote", "--heads", remote]);
        return `${remote} answers`;
      }),
    );
  } else {
    checks.push(
      warn(
        "remote",
        "no remote: the revert commit stays local",
        "Set remote: (e.g. origin) if a GitOps controller reads this repository.",
      ),
    );
  }
  return checks;
}
