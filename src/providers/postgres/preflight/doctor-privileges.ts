/**
 * The doctor's view of privileges: the same check that plan and checkpoint enforce
 * (checkPrivileges), for every strategy this component may use, plus wal_level for snapshots.
 * One line per strategy: which privileges it needs and, when some are missing, the grants.
 */
import type pg from "pg";
import { fail, pass, type DoctorCheck } from "../../../core/doctor-check.js";
import type { MigrationFormat, MigrationLayout } from "../layouts/layout.js";
import { checkPrivileges, privilegeInput, type PrivilegeStrategy } from "./privileges.js";
import type { PostgresSettings } from "../settings.js";

export async function privilegeChecks(
  client: pg.Client,
  settings: PostgresSettings,
  dataLossPolicy: string,
  format: MigrationFormat,
  layout?: MigrationLayout,
): Promise<DoctorCheck[]> {
  const strategies: PrivilegeStrategy[] = [];
  if (settings.strategy !== "restore") strategies.push("reverse");
  if (dataLossPolicy === "archive") strategies.push("archive");
  if (settings.snapshot !== "none")
    strategies.push(settings.snapshot === "pitr" ? "restore-pitr" : "restore-dump");
  const checks: DoctorCheck[] = [];
  for (const strategy of strategies) {
    const results = await checkPrivileges(client, privilegeInput(settings, format, strategy, layout));
    const missing = results.filter((r) => !r.ok);
    const name = `privileges: ${strategy}`;
    checks.push(
      missing.length === 0
        ? pass(name, `has ${results.map((r) => r.privilege).join(", ")}`)
        : fail(
            name,
            `lacks ${missing.map((m) => `${m.privilege} (to ${m.why})`).join("; ")}`,
            missing.map((m) => m.grant).join(" "),
          ),
    );
  }
  if (settings.snapshot !== "none") {
    const { rows } = await client.query<{ wal_level: string }>(
      "SELECT current_setting('wal_level') AS wal_level",
    );
    const level = rows[0]?.wal_level ?? "?";
    checks.push(
      level === "logical"
        ? pass("wal_level", "logical")
        : fail(
            "wal_level",
            `wal_level is ${level}`,
            "Set wal_level = logical in postgresql.conf and restart PostgreSQL (slots need it).",
          ),
    );
  }
  return checks;
}
