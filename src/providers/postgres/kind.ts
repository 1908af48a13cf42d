import type { ProviderKind } from "../lazy-provider.js";
import { postgresSettingsSchema } from "./settings.js";

/** What the configuration knows of `postgres` components before the provider itself is loaded. */
export const postgresKind: ProviderKind = {
  kind: "postgres",
  defaultLayer: "database",
  get settingsSchema() {
    return postgresSettingsSchema();
  },
  description:
    "PostgreSQL schema: runs the down migrations of dbmate, golang-migrate, node-pg-migrate, Sqitch or Flyway newest first, one transaction each with the tool's history update; measures, archives or refuses data loss. Or restores the checkpoint's snapshot (dump or PITR) and replays every write made since.",
};
