/** `backout doctor` for a release component: the layout, the swap's rights, the restart command and health now. */
import { access, constants, readdir } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { checked, fail, pass, warn, type DoctorCheck } from "../../core/doctor-check.js";
import type { ProviderContext } from "../../core/provider.js";
import { captureRelease } from "./capture.js";
import { checkHealth } from "./health.js";
import { layoutOf, releaseDir } from "./layout.js";
import { readSettings, type ReleaseSettings } from "./settings.js";

export async function doctorRelease(ctx: ProviderContext<ReleaseSettings>): Promise<DoctorCheck[]> {
  const settings = readSettings(ctx);
  const layout = layoutOf(ctx.baseDir, settings.path);
  const checks: DoctorCheck[] = [];
  let current: string | undefined;
  checks.push(
    await checked("current release", async () => {
      current = (await captureRelease(ctx)).version;
      return `${layout.current} → releases/${current}`;
    }),
  );
  checks.push(
    await checked("releases to go back to", async () => {
      const names = (await readdir(layout.releasesDir, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
      const others = names.filter((n) => n !== current);
      if (others.length === 0) {
        return warn(
          "releases to go back to",
          `${layout.releasesDir} holds no release besides the current one`,
          "Keep the previous release directories after a deploy: a rollback switches back to one of them.",
        );
      }
      return `${others.length} other release(s) in ${layout.releasesDir}`;
    }),
  );
  checks.push(
    await checked("swap rights", async () => {
      try {
        await access(layout.root, constants.W_OK);
        return `may create and rename links in ${layout.root}`;
      } catch {
        return fail(
          "swap rights",
          `cannot write to ${layout.root}`,
          `Run backout as the user that deploys (the swap creates a link in ${layout.root} and renames it over current).`,
        );
      }
    }),
  );
  const program = settings.restart?.command[0];
  if (program !== undefined && isAbsolute(program)) {
    checks.push(
      await checked("restart command", async () => {
        try {
          await access(program, constants.X_OK);
          return `${program} is executable`;
        } catch {
          return fail(
            "restart command",
            `${program} is missing or not executable`,
            "Fix restart.command in backout.yaml.",
          );
        }
      }),
    );
  }
  if (settings.health !== undefined && current !== undefined) {
    const health = settings.health;
    const cwd = releaseDir(layout, current);
    checks.push(
      await checked("health now", async () => {
        try {
          await checkHealth(ctx, { health, env: ctx.env, cwd, retries: 0 });
        } catch (e) {
          return fail(
            "health now",
            e instanceof Error ? e.message : String(e),
            "The running release does not answer its health check: fix health: in backout.yaml or the application. After a rollback this check decides whether the step succeeded.",
          );
        }
        return pass("health now", `release ${current} answers its health check`);
      }),
    );
  }
  return checks;
}
