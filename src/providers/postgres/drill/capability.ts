/**
 * `backout drill` for a postgres component (the provider's `drill` capability): the pending
 * migrations up, down and up again on a scratch copy, or restore-and-replay to a checkpoint on a
 * scratch database. The live database is only read.
 */
import type { CapabilityResult, DrillRequest, ProviderContext } from "../../../core/provider.js";
import { pgTarget } from "../connection/url.js";
import { safeDecode } from "../../url-password.js";
import type { PostgresSettings } from "../settings.js";
import { drillInputFor, restoreDrillInputFor } from "./component.js";
import { drillText, NOT_CLEAN_HINT } from "./report-text.js";
import { emptyReport, runRestoreDrill, type RestoreDrillReport } from "./restore-drill.js";
import { restoreDrillText } from "./restore-drill-text.js";
import { runDrill } from "./run-drill.js";
import type { DrillReport } from "./types.js";

type DrillResult = CapabilityResult & { clean: boolean };

const RESTORE_NOT_CLEAN = "a rollback by restore-and-replay would not be clean: see the problems above";

export async function drillPostgres(
  ctx: ProviderContext<PostgresSettings>,
  request: DrillRequest,
): Promise<DrillResult> {
  return request.mode === "restore" ? restoreDrill(ctx, request) : migrationsDrill(ctx, request);
}

async function migrationsDrill(
  ctx: ProviderContext<PostgresSettings>,
  request: DrillRequest,
): Promise<DrillResult> {
  const input = await drillInputFor(ctx, {
    sampleRows: request.sampleRows,
    ...(request.pgBin === undefined ? {} : { pgBin: request.pgBin }),
    ...(request.forceSample ? { forceSample: true } : {}),
  });
  // The URL's password is a secret even when it was written in the file, not in ${ENV}.
  const scrub = pgTarget(input.url).scrub;
  const password = URL.canParse(input.url) ? new URL(input.url).password : "";
  ctx.secret(password);
  ctx.secret(safeDecode(password));
  const report = JSON.parse(scrub(JSON.stringify(await runDrill(input)))) as DrillReport;
  return { clean: report.clean, json: report, text: drillText(report), hint: NOT_CLEAN_HINT };
}

async function restoreDrill(
  ctx: ProviderContext<PostgresSettings>,
  request: DrillRequest,
): Promise<DrillResult> {
  const checkpoint = request.checkpoint ?? { id: "?", name: "?", state: undefined };
  const input = await restoreDrillInputFor(ctx, checkpoint, request.pgBin);
  let report: RestoreDrillReport;
  if (typeof input === "string") report = emptyReport(ctx.component.name, checkpoint, "dump", [input]);
  else {
    const scrub = pgTarget(input.url).scrub;
    report = await runRestoreDrill({ ...input, redact: (t) => ctx.redact(scrub(t)) });
  }
  return { clean: report.clean, json: report, text: restoreDrillText(report), hint: RESTORE_NOT_CLEAN };
}
