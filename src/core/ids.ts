import { randomBytes } from "node:crypto";

/** Sortable, readable ids: "r-20261127-011702-3fa9" (UTC). */
export function newId(prefix: "r" | "c", now: number): string {
  const iso = new Date(now).toISOString(); // 2026-11-27T01:17:02.123Z
  const stamp = `${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
  return `${prefix}-${stamp}-${randomBytes(2).toString("hex")}`;
}
