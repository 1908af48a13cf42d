/**
 * `backout archive` for a postgres component (the provider's `archive` capability): list, show
 * and restore what a rollback archived, prune the copies restore-and-replay kept, and the kept
 * copies' count for `backout status`.
 */
import { isAbsolute, resolve } from "node:path";
import { BackoutError } from "../../../../core/errors.js";
import type { ArchiveRequest, CapabilityResult, ProviderContext } from "../../../../core/provider.js";
import { table } from "../../../../report/table.js";
import { readSettings, type PostgresSettings } from "../../settings.js";
import { restoreArchive } from "../restore-archive.js";
import { pruneKept } from "../../strategies/restore/copy/prune.js";
import { keptStatusLine, keptStatusOf } from "../../strategies/restore/copy/kept-status.js";
import { pgTarget } from "../../connection/url.js";
import { archiveTarget, connectTarget } from "./connect.js";
import { formatList, formatRestore, formatShow, formatUnmappedList, formatUnmappedShow } from "./format.js";
import { listArchives } from "./list.js";
import { showArchive } from "./show.js";
import { listUnmapped, showUnmapped, UNMAPPED_TABLE } from "./unmapped.js";

export async function archivePostgres(
  ctx: ProviderContext<PostgresSettings>,
  request: ArchiveRequest,
): Promise<CapabilityResult | undefined> {
  if (request.action === "kept") {
    const kept = await keptStatusOf(ctx.component, ctx.baseDir, ctx.redact);
    return kept && { json: kept, text: keptStatusLine(kept) };
  }
  if (request.action === "prune") return prune(ctx, request);
  return browse(ctx, request);
}

function dataDirOf(ctx: ProviderContext<PostgresSettings>): string | undefined {
  const dataDir = readSettings(ctx).pitr?.dataDir;
  if (dataDir === undefined) return undefined;
  return isAbsolute(dataDir) ? dataDir : resolve(ctx.baseDir, dataDir);
}

async function prune(
  ctx: ProviderContext<PostgresSettings>,
  request: ArchiveRequest,
): Promise<CapabilityResult> {
  const url = readSettings(ctx).url;
  const scrub = pgTarget(url).scrub;
  const dataDir = dataDirOf(ctx);
  const removed = await pruneKept(url, {
    redact: (t) => ctx.redact(scrub(t)),
    ...(request.rollback ? { rollbackId: request.rollback } : {}),
    ...(request.dryRun ? { dryRun: true } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(request.olderThanMs === undefined ? {} : { olderThanMs: request.olderThanMs }),
  });
  const verb = request.dryRun ? "would remove" : "removed";
  return {
    json: { component: ctx.component.name, removed },
    text: `${ctx.component.name}: ${removed.length ? `${verb} ${removed.join(", ")}` : "nothing kept"}`,
  };
}

async function browse(
  ctx: ProviderContext<PostgresSettings>,
  request: ArchiveRequest,
): Promise<CapabilityResult> {
  const { action, name } = request;
  const target = archiveTarget(ctx.component);
  const needName = (): string => {
    if (!name)
      throw new BackoutError("USAGE", `archive ${action}: name the archive (see \`backout archive list\`)`);
    return name;
  };
  const db = await connectTarget(target);
  try {
    if (action === "list") {
      const entries = await listArchives(db, target.archiveSchema, request.rollback);
      // bigint columns arrive as strings; counts are numbers to a script.
      const counted = entries.map((e) => ({
        ...e,
        rows: Number(e.rows),
        restored_rows: e.restored_rows === null ? null : Number(e.restored_rows),
      }));
      const unmapped = await listUnmapped(db, target.archiveSchema, request.rollback);
      return {
        json: counted,
        text:
          formatList(entries, table) + (unmapped.length ? `\n\n${formatUnmappedList(unmapped, table)}` : ""),
      };
    }
    if (action === "show" && name === UNMAPPED_TABLE) {
      const view = await showUnmapped(db, target.archiveSchema, request.rollback, request.limit || 10);
      return { json: view, text: formatUnmappedShow(view, table) };
    }
    if (action === "restore" && name === UNMAPPED_TABLE) {
      throw new BackoutError(
        "USAGE",
        `${UNMAPPED_TABLE} cannot be restored: its writes do not fit the schema`,
        {
          hint: `They were left out because their table, key, row or columns are gone. Read them with \`backout archive show ${UNMAPPED_TABLE} --json\` and re-apply what matters by hand.`,
        },
      );
    }
    if (action === "show") {
      const view = await showArchive(db, target.archiveSchema, needName(), request.limit || 10);
      return { json: view, text: formatShow(view, table) };
    }
    const result = await restoreArchive(db, target.archiveSchema, needName(), {
      ...(request.intoTable ? { intoTable: request.intoTable } : {}),
      ...(request.force ? { force: true } : {}),
    });
    return { json: result, text: formatRestore(result) };
  } finally {
    await db.end();
  }
}
