import { BackoutError } from "../../core/errors.js";
import { connectTarget, pickComponent } from "../../providers/postgres/archive/commands/connect.js";
import {
  formatList,
  formatRestore,
  formatShow,
  formatUnmappedList,
  formatUnmappedShow,
} from "../../providers/postgres/archive/commands/format.js";
import { listArchives } from "../../providers/postgres/archive/commands/list.js";
import { showArchive } from "../../providers/postgres/archive/commands/show.js";
import {
  listUnmapped,
  showUnmapped,
  UNMAPPED_TABLE,
} from "../../providers/postgres/archive/commands/unmapped.js";
import { restoreArchive } from "../../providers/postgres/archive/restore-archive.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson, table } from "../output.js";

interface ArchiveOptions extends GlobalOptions {
  component?: string;
  rollback?: string;
  intoTable?: string;
  force?: boolean;
  limit?: string;
  olderThan?: string;
  dryRun?: boolean;
}

/** `backout archive list|show|restore`: the data a rollback archived under the `archive` policy. */
export default async function archive(opts: ArchiveOptions, [action, name]: string[]): Promise<number> {
  if (action === "prune") return (await import("./archive-prune.js")).default(opts);
  const engine = await openEngine(opts, { warnInterrupted: false });
  let target;
  try {
    target = pickComponent(engine.config.components, opts.component);
  } finally {
    await engine.close();
  }
  const needName = () => {
    if (!name)
      throw new BackoutError(
        "USAGE",
        `archive ${action ?? ""}: name the archive (see \`backout archive list\`)`,
      );
    return name;
  };
  const db = await connectTarget(target);
  try {
    if (action === "list") {
      const entries = await listArchives(db, target.archiveSchema, opts.rollback);
      // bigint columns arrive as strings; counts are numbers to a script.
      const counted = entries.map((e) => ({
        ...e,
        rows: Number(e.rows),
        restored_rows: e.restored_rows === null ? null : Number(e.restored_rows),
      }));
      const unmapped = await listUnmapped(db, target.archiveSchema, opts.rollback);
      if (opts.json) outJson(counted);
      else
        out(
          formatList(entries, table) + (unmapped.length ? `\n\n${formatUnmappedList(unmapped, table)}` : ""),
        );
    } else if (action === "show" && name === UNMAPPED_TABLE) {
      const view = await showUnmapped(db, target.archiveSchema, opts.rollback, Number(opts.limit) || 10);
      if (opts.json) outJson(view);
      else out(formatUnmappedShow(view, table));
    } else if (action === "restore" && name === UNMAPPED_TABLE) {
      throw new BackoutError(
        "USAGE",
        `${UNMAPPED_TABLE} cannot be restored: its writes do not fit the schema`,
        {
          hint: `They were left out because their table, key, row or columns are gone. Read them with \`backout archive show ${UNMAPPED_TABLE} --json\` and re-apply what matters by hand.`,
        },
      );
    } else if (action === "show") {
      const view = await showArchive(db, target.archiveSchema, needName(), Number(opts.limit) || 10);
      if (opts.json) outJson(view);
      else out(formatShow(view, table));
    } else if (action === "restore") {
      const result = await restoreArchive(db, target.archiveSchema, needName(), {
        ...(opts.intoTable ? { intoTable: opts.intoTable } : {}),
        ...(opts.force ? { force: true } : {}),
      });
      if (opts.json) outJson(result);
      else out(formatRestore(result));
    } else {
      throw new BackoutError("USAGE", `unknown archive action "${action ?? ""}"`, {
        hint: "use list, show or restore",
      });
    }
    return 0;
  } finally {
    await db.end();
  }
}
