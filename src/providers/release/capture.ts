import { readPending } from "./pending.js";
import { BackoutError } from "../../core/errors.js";
import type { ComponentState } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { isErrno } from "../../fs/errno.js";
import { layoutOf, readCurrent } from "./layout.js";
import { readSettings, type ReleaseSettings } from "./settings.js";

/** The release `current` points at is the component's version. */
export async function captureRelease(ctx: ProviderContext<ReleaseSettings>): Promise<ComponentState> {
  const layout = layoutOf(ctx.baseDir, readSettings(ctx).path);
  const where = { component: ctx.component.name };
  let current;
  try {
    current = await readCurrent(layout);
  } catch (e) {
    const notLink = isErrno(e, "EINVAL");
    throw new BackoutError(
      "PROVIDER_FAILED",
      notLink ? `${layout.current} is not a symlink` : `cannot read ${layout.current}`,
      {
        where,
        cause: e,
        retryable: !notLink,
        hint: notLink
          ? "The release provider needs `current` to be a symlink to releases/<name>; move the directory into releases/ and link it."
          : "Check that backout may read the application directory.",
      },
    );
  }
  if (current === undefined) {
    throw new BackoutError("PROVIDER_FAILED", `${layout.current} does not exist`, {
      where,
      hint: `Deploy a release first (a directory under ${layout.releasesDir} and a \`current\` symlink to it), or fix the component's path.`,
    });
  }
  if (current.release === undefined) {
    throw new BackoutError(
      "PROVIDER_FAILED",
      `${layout.current} points outside ${layout.releasesDir}: ${current.link}`,
      {
        where,
        hint: "Point `current` at releases/<name>, or set the component's path to the directory that holds releases/.",
      },
    );
  }
  const pending = await readPending(layout);
  if (pending?.to === current.release && pending.from !== undefined) {
    // `current` was swapped but the restart or health check never passed: the old release still runs.
    return {
      version: pending.from,
      details: { releasesDir: layout.releasesDir, target: current.target, unconfirmedSwitchTo: pending.to },
    };
  }
  return {
    version: current.release,
    details: { releasesDir: layout.releasesDir, target: current.target },
  };
}
