/**
 * What a check is called in output and which CheckResult kind it is. Names default to what
 * the check does: "http GET http://10.0.0.5:8080/health", "metric: <query>".
 */
import { integrityCheckName } from "./integrity-schema.js";
import type { CheckResult } from "../core/model.js";
import type { CheckSpec } from "./schema.js";
import { requestParts } from "./url-parts.js";

const COMMAND_SHOWN = 80;

export type CheckKind = CheckResult["kind"];

export function checkKind(spec: CheckSpec): CheckKind {
  if ("http" in spec) return "http";
  if ("tcp" in spec) return "tcp";
  if ("command" in spec) return "command";
  if ("integrity" in spec) return "integrity";
  return "metric";
}

/** The label, through `redact` (URLs and arguments may carry secrets). */
export function checkName(spec: CheckSpec, redact: (s: string) => string): string {
  if (spec.name !== undefined) return redact(spec.name);
  if ("http" in spec) return redact(`http GET ${requestParts(spec.http).shown}`);
  if ("tcp" in spec) return redact(`tcp ${spec.tcp}`);
  if ("command" in spec) {
    const line = spec.command.map((a) => (/[\s"']/.test(a) || a === "" ? JSON.stringify(a) : a)).join(" ");
    return redact(`command ${line.length > COMMAND_SHOWN ? `${line.slice(0, COMMAND_SHOWN)}…` : line}`);
  }
  if ("integrity" in spec) return integrityCheckName(spec, redact);
  return redact(`metric: ${spec.metric.query}`);
}
