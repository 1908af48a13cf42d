/**
 * The postgres component an archive command works on, and a connection to its database: the one
 * postgres component of backout.yaml, or the one named with --component.
 */
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

export function pickComponent(components: readonly ComponentConfig[], name?: string): ArchiveTarget {
  const candidates = components.filter((c) => c.kind === "postgres");
  const chosen = name === undefined ? candidates : candidates.filter((c) => c.name === name);
  if (chosen.length !== 1 || !chosen[0]) {
    const known = candidates.map((c) => c.name).join(", ") || "none";
    throw new BackoutError(
      "USAGE",
      name === undefined
        ? `${candidates.length ? "several" : "no"} postgres components in the environment file (${known})`
        : `no postgres component named "${name}" (postgres components: ${known})`,
      { hint: "name the database with --component NAME", where: { field: "components" } },
    );
  }
  const c = chosen[0];
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
