/**
 * Flyway's naming, version order and checksum, reimplemented from its sources so the history rows
 * backout writes are the ones Flyway would write (and a later `flyway validate` agrees).
 */
import { crc32 } from "node:zlib";

export interface FlywayFileName {
  prefix: "V" | "U";
  /** As Flyway stores it: the file's version with `_` turned into `.` ("1_1" → "1.1"). */
  version: string;
  /** As Flyway stores it: the part after `__`, without suffix, `_` turned into spaces. */
  description: string;
}

/** `V1_1__add_users.sql` → {V, "1.1", "add users"}; undefined for other files (R__, B, notes). */
export function parseFlywayName(fileName: string): FlywayFileName | undefined {
  const m = /^([VU])(\d+(?:[._]\d+)*)__(.*)\.sql$/.exec(fileName);
  if (!m) return undefined;
  return {
    prefix: m[1] as "V" | "U",
    version: (m[2] ?? "").replaceAll("_", "."),
    description: (m[3] ?? "").replaceAll("_", " "),
  };
}

/** MigrationVersion.tokenize: numeric parts split on dots, trailing zero parts dropped ("1.0" = "1"). */
function parts(version: string): bigint[] {
  const out = version
    .replaceAll("_", ".")
    .split(/\.(?=\d)/)
    .map((p) => BigInt(p));
  while (out.length > 1 && out[out.length - 1] === 0n) out.pop();
  return out;
}

/** MigrationVersion.compareTo: part by part as big integers, missing parts count as 0. */
export function compareFlywayVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0n;
    const y = pb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function sameFlywayVersion(a: string, b: string): boolean {
  return compareFlywayVersions(a, b) === 0;
}

/**
 * ChecksumCalculator: CRC32 over each line's UTF-8 bytes, line breaks excluded (BufferedReader
 * .readLine splits on \n, \r and \r\n), BOM stripped from the first line, stored as a signed int.
 */
export function flywayChecksum(content: string): number {
  const text = content.startsWith("\uFEFF") ? content.slice(1) : content;
  let crc = 0;
  for (const line of text.split(/\r\n|\r|\n/)) crc = crc32(Buffer.from(line, "utf8"), crc);
  return crc | 0;
}
