/** Where a postgres component's archive is, and a connection to its database. */
import type pg from "pg";
import { BackoutError } from "../../../../core/errors.js";
import type { ComponentConfig } from "../../../../core/model.js";
import { connectUrl } from "../../connection/client.js";
import { DEFAULT_ARCHIVE_SCHEMA } from "../index-table.js";

export interface ArchiveTarget {
  component: string;
  url: string;
  archiveSchema: string;
}

/** Where the archive of a postgres component lives. */
export function archiveTarget(c: ComponentConfig): ArchiveTarget {
  const url = c.settings.url;
  if (typeof url !== "string" || !url) {
    throw new BackoutError("CONFIG_INVALID", `component ${c.name} has no url`, {
      where: { component: c.name, field: "url" },
    });
  }
  const schema = c.settings.archiveSchema;
  return {
    component: c.name,
    url,
    archiveSchema: typeof schema === "string" && schema ? schema : DEFAULT_ARCHIVE_SCHEMA,
  };
}

export async function connectTarget(target: ArchiveTarget): Promise<pg.Client> {
  try {
    return await connectUrl(target.url, "backout archive");
  } catch (e) {
    // pg's message names host and port, never the password.
    throw new BackoutError(
      "PROVIDER_FAILED",
      `cannot connect to the database of ${target.component}: ${e instanceof Error ? e.message : String(e)}`,
      {
        hint: "check that the database is reachable and the url in the environment file is right",
        where: { component: target.component },
        retryable: true,
        cause: e,
      },
    );
  }
}
