/**
 * `backout drill`: prove, before it is needed, that the database rollback works. For every
 * postgres component (or --component), the pending migrations go up, down and up again on a
 * scratch copy; exit 0 when every rollback would be clean, 1 when one would not (CI gates a
 * deploy on it), 2 for a bad command line or environment file.
 */
import { resolve } from "node:path";
import { loadEnvironment } from "../../config/load.js";
import { BackoutError } from "../../core/errors.js";
import {
  drillInputFor,
  drillText,
  NOT_CLEAN_HINT,
  runDrill,
  type DrillReport,
} from "../../providers/postgres/drill/index.js";
import { pgTarget } from "../../providers/postgres/connection/url.js";
import { builtinProviders } from "../../providers/index.js";
import type { GlobalOptions } from "../context.js";
import { recordDrills } from "../doctor/drill-record.js";
import { EXIT } from "../exit-codes.js";
import { postgresComponents } from "../postgres-components.js";
import { err, out, outJson, redactor } from "../output.js";

export interface DrillOptions extends GlobalOptions {
  component?: string;
  sampleRows?: string;
  pgBin?: string;
  sample?: boolean;
  restore?: boolean;
  to?: string;
}

function sampleRows(text: string | undefined): number {
  const n = Number(text ?? "1000");
  if (!Number.isInteger(n) || n < 0) {
    throw new BackoutError("USAGE", `--sample-rows must be a whole number of rows, not "${text}"`, {
      hint: "For example --sample-rows 1000 (the default).",
    });
  }
  return n;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export default async function drill(opts: DrillOptions): Promise<number> {
  if (opts.restore) return (await import("./drill-restore.js")).default(opts);
  const config = loadEnvironment(resolve(opts.config), { providers: builtinProviders(), redactor });
  const chosen = postgresComponents(config, opts.component, "drill");
  const choices = {
    sampleRows: sampleRows(opts.sampleRows),
    ...((opts.pgBin ?? process.env.BACKOUT_PG_BIN)
      ? { pgBin: opts.pgBin ?? process.env.BACKOUT_PG_BIN }
      : {}),
    ...(opts.sample ? { forceSample: true } : {}),
  };
  const reports: DrillReport[] = [];
  for (const component of chosen) {
    const input = await drillInputFor(
      component,
      { baseDir: config.baseDir, dataLoss: config.policies.dataLoss, redact: (s) => redactor.redact(s) },
      choices,
    );
    // The URL's password is a secret even when it was written in the file, not in ${ENV}.
    const scrub = pgTarget(input.url).scrub;
    const password = URL.canParse(input.url) ? new URL(input.url).password : "";
    redactor.add(password);
    redactor.add(safeDecode(password));
    const report = await runDrill(input);
    reports.push(JSON.parse(scrub(JSON.stringify(report))) as DrillReport);
  }
  const clean = reports.every((r) => r.clean);
  // `backout doctor` reports how old the last proof is.
  await recordDrills(
    config.store.path,
    Object.fromEntries(reports.map((r) => [r.component, { at: Date.now(), clean: r.clean }])),
  );
  if (opts.json) outJson({ clean, components: reports });
  else {
    out(reports.map(drillText).join("\n\n"));
    if (!clean) err(NOT_CLEAN_HINT);
  }
  return clean ? EXIT.ok : EXIT.failed;
}
