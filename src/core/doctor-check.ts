/**
 * What `backout doctor` reports: one line per check, pass / warn / fail, and what to do.
 * A provider answers for its own component (Provider.doctor); the CLI adds the checks that
 * span components or the environment (store, disk, drills, validation checks).
 */
export type DoctorStatus = "pass" | "warn" | "fail";

export interface DoctorCheck {
  /** Short, stable name ("reachable", "nginx -t", "privileges"). */
  name: string;
  status: DoctorStatus;
  /** What was found, already redacted. */
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export function pass(name: string, detail: string): DoctorCheck {
  return { name, status: "pass", detail };
}

export function warn(name: string, detail: string, fix: string): DoctorCheck {
  return { name, status: "warn", detail, fix };
}

export function fail(name: string, detail: string, fix: string): DoctorCheck {
  return { name, status: "fail", detail, fix };
}

/** Runs one check; anything it throws is that check failing, with the error's hint as the fix. */
export async function checked(
  name: string,
  run: () => Promise<DoctorCheck | string>,
  fallbackFix = "see the error above",
): Promise<DoctorCheck> {
  try {
    const r = await run();
    return typeof r === "string" ? pass(name, r) : r;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const hint = (e as { hint?: unknown }).hint;
    return fail(name, message, typeof hint === "string" ? hint : fallbackFix);
  }
}
