import type { ComponentState } from "../../../core/model.js";
import type { ProviderContext } from "../../../core/provider.js";
import { withPostgres } from "../connection/session.js";
import { schemaFingerprint } from "./fingerprint.js";
import { migrationSet } from "../layouts/migration-set.js";
import { readSettings, type PostgresSettings } from "../settings.js";

/** The version "none applied yet": numeric, so ranges like `<=41` still compare. */
export const NO_VERSION = "0";

/**
 * version = the newest applied migration as the tool records it ("0" when none);
 * details = { format, serverVersion, database, fingerprint, applied }.
 */
export async function capturePostgres(ctx: ProviderContext<PostgresSettings>): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const set = await migrationSet(ctx, settings);
  return withPostgres(ctx, settings, { component: ctx.component.name }, async ({ client }) => {
    const applied = await set.layout.appliedVersions(client);
    const server = await client.query<{ server: string; database: string }>(
      "SELECT current_setting('server_version') AS server, current_database() AS database",
    );
    const fp = await schemaFingerprint(client, settings);
    return {
      version: applied.at(-1) ?? NO_VERSION,
      details: {
        format: set.format,
        serverVersion: server.rows[0]?.server ?? "",
        database: server.rows[0]?.database ?? "",
        fingerprint: fp.hash,
        applied,
      },
    };
  });
}
