/**
 * The doctor's checks that belong to no single provider: the store, the drills, where the
 * migration files live relative to the releases a rollback switches, a good checkpoint, and
 * the validation checks answering now.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import type { ProviderRegistry } from "../../core/provider.js";
import type { EnvironmentConfig } from "../../config/types.js";
import type { CheckRunner } from "../../core/checks.js";
import { checked, fail, pass, warn, type DoctorCheck } from "../../core/doctor-check.js";
import type { Store } from "../../store/store.js";
import { readDrillRecords } from "./drill-record.js";

const DAY = 86_400_000;
/** A drill older than this proves little about today's migrations. */
export const DRILL_MAX_AGE_DAYS = 7;

/** The store checks itself (it was opened already: a store too damaged to open never gets here). */
export async function storeIntegrity(store: Store, storeDir: string): Promise<DoctorCheck> {
  const file = join(storeDir, "backout.db");
  if (store.checkIntegrity === undefined) {
    return warn("store integrity", "this store kind has no integrity check", "Nothing to do.");
  }
  try {
    const { ok, problems } = await store.checkIntegrity();
    if (ok) return pass("store integrity", `${file}: integrity_check ok`);
    return fail(
      "store integrity",
      `${file}: ${problems.join("; ")}`,
      "Stop backout, copy the store aside, and restore it from a backup (`sqlite3 backout.db .recover` keeps what is readable).",
    );
  } catch (e) {
    return fail("store integrity", `${file}: ${String(e)}`, `Check that ${storeDir} is readable.`);
  }
}

export function drillAge(config: EnvironmentConfig, providers: ProviderRegistry, now: number): DoctorCheck[] {
  const records = readDrillRecords(config.store.path);
  return config.components
    .filter((c) => providers.get(c.kind)?.drill !== undefined)
    .map((c) => {
      const name = `drill of ${c.name}`;
      const rec = records[c.name];
      const fix = `Run \`backout drill --component ${c.name}\` (in CI before each deploy).`;
      if (rec === undefined) return warn(name, "no drill recorded", fix);
      const days = Math.floor((now - rec.at) / DAY);
      const when = `last drill ${days === 0 ? "today" : `${days} day(s) ago`} (${new Date(rec.at).toISOString()})`;
      if (!rec.clean) return fail(name, `${when} was not clean`, `${fix} and fix what it reports.`);
      if (days > DRILL_MAX_AGE_DAYS) return warn(name, `${when}, clean`, fix);
      return pass(name, `${when}, clean`);
    });
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The down scripts must still be there after the release rollback: migrations read from inside
 * a release directory (through `current`) are the NEW release's, and vanish when it is switched.
 */
export function migrationsOutsideReleases(config: EnvironmentConfig): DoctorCheck[] {
  const roots = config.components
    .filter((c) => c.kind === "release")
    .map((c) => ({ name: c.name, root: resolve(config.baseDir, String(c.settings.path)) }));
  // The components that read migration files (postgres).
  return config.components
    .filter((c) => typeof c.settings.migrations === "string")
    .map((c) => {
      const name = `migrations of ${c.name}`;
      const given = resolve(config.baseDir, String(c.settings.migrations));
      for (const r of roots) {
        const switched = [join(r.root, "current"), join(r.root, "releases")];
        if (switched.some((d) => inside(given, d) || inside(real(given), real(d)))) {
          return fail(
            name,
            `${given} is inside ${r.name}'s releases, which the release rollback switches`,
            `Point migrations: at a copy outside ${r.root} that every deploy updates (or order the database first with dependsOn): after the swap, the newer release's down scripts are gone.`,
          );
        }
      }
      return pass(name, `${given} is outside every release directory`);
    });
}

export async function goodCheckpoint(store: Store): Promise<DoctorCheck> {
  return checked("good checkpoint", async () => {
    const good = await store.lastGoodCheckpoint();
    if (good === undefined) {
      return warn(
        "good checkpoint",
        "no checkpoint is marked good: `run` has no default target",
        "Take one before each deploy: `backout checkpoint --name before-vX --good`.",
      );
    }
    return `${good.name} (${new Date(good.createdAt).toISOString()})`;
  });
}

/** The validation checks, run once now: a check that cannot answer now will not judge a rollback. */
export async function checksNow(
  config: EnvironmentConfig,
  run: CheckRunner,
  redact: (t: string) => string,
): Promise<DoctorCheck[]> {
  const all = [
    ...(config.validation ?? []).map((check) => ({ check, component: undefined as string | undefined })),
    ...config.components.flatMap((c) => (c.checks ?? []).map((check) => ({ check, component: c.name }))),
  ];
  return Promise.all(
    all.map(async ({ check, component }) => {
      const r = await run(check, {
        redact,
        env: process.env,
        cwd: config.baseDir,
        ...(component === undefined ? {} : { component }),
      });
      const name = `check ${r.name}`;
      if (r.status === "pass") return pass(name, r.detail);
      return fail(
        name,
        `${r.status}: ${r.detail}`,
        "Make the check answer now (URL, query, Prometheus reachable): after a rollback it decides success.",
      );
    }),
  );
}
