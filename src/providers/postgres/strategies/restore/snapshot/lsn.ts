/** PostgreSQL LSNs ("16/B374D848"): two hex halves of a 64-bit WAL position. */
import { unexpectedReply } from "../../../errors.js";

/** The LSN as a bigint, so positions compare numerically ("0/A" < "0/10"). */
export function lsnValue(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
  if (!m?.[1] || !m[2]) throw unexpectedReply(`not a PostgreSQL LSN: ${JSON.stringify(lsn)}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** Negative, zero or positive, like a sort comparator. */
export function compareLsn(a: string, b: string): number {
  const d = lsnValue(a) - lsnValue(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * Fixed-width text of an LSN ("00000000/0152E8D0"): sorts as text in the same order as the
 * LSN itself, which is how the capture store indexes commit positions.
 */
export function lsnSortKey(lsn: string): string {
  const v = lsnValue(lsn);
  return `${(v >> 32n).toString(16).padStart(8, "0")}/${(v & 0xffffffffn).toString(16).padStart(8, "0")}`.toUpperCase();
}
