/**
 * `backout doctor`: every component's provider checks (in parallel, bounded), then the
 * environment's. Never changes anything; the verdict is "fail" when any check fails.
 */
import type { CheckRunner } from "../../core/checks.js";
import { fail, warn, type DoctorCheck, type DoctorStatus } from "../../core/doctor-check.js";
import type { Engine } from "../../core/engine.js";
import { mapLimited } from "../../core/map-limited.js";
import {
  checksNow,
  drillAge,
  goodCheckpoint,
  migrationsOutsideReleases,
  storeIntegrity,
} from "./environment-checks.js";

export interface DoctorLine extends DoctorCheck {
  /** The component the check is about; undefined for the environment's own checks. */
  component?: string;
}

export interface DoctorReport {
  status: DoctorStatus;
  checks: DoctorLine[];
}

export function verdict(checks: readonly DoctorCheck[]): DoctorStatus {
  if (checks.some((c) => c.status === "fail")) return "fail";
  return checks.some((c) => c.status === "warn") ? "warn" : "pass";
}

export async function runDoctor(engine: Engine, runner: CheckRunner): Promise<DoctorReport> {
  const { config } = engine;
  const perComponent = await mapLimited(config.components, config.policies.concurrency, async (c) => {
    const provider = engine.provider(c);
    if (provider.doctor === undefined) {
      return [
        {
          ...warn(
            "doctor",
            `kind ${c.kind} has no doctor checks`,
            "Nothing to do; its rollback is checked at planning time.",
          ),
          component: c.name,
        },
      ];
    }
    try {
      const found = await provider.doctor(engine.context(c));
      return found.map((check) => ({ ...check, component: c.name }));
    } catch (e) {
      const hint = (e as { hint?: unknown }).hint;
      return [
        {
          ...fail(
            "doctor",
            e instanceof Error ? e.message : String(e),
            typeof hint === "string" ? hint : "see the message",
          ),
          component: c.name,
        },
      ];
    }
  });
  const redact = (t: string) => engine.redactor.redact(t);
  const environment: DoctorCheck[] = [
    await storeIntegrity(engine.store, config.store.path),
    await goodCheckpoint(engine.store),
    ...migrationsOutsideReleases(config),
    ...drillAge(config, engine.providers, engine.clock.now()),
    ...(await checksNow(config, runner, redact)),
  ];
  const checks: DoctorLine[] = [...perComponent.flat(), ...environment].map((c) => ({
    ...c,
    detail: redact(c.detail),
    ...(c.fix === undefined ? {} : { fix: redact(c.fix) }),
  }));
  return { status: verdict(checks), checks };
}
