/**
 * The receiver's side of Standard Webhooks, written from the spec independently of
 * src/notify/sign.ts so a shared mistake cannot make both agree.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export type Verdict = { ok: true } | { ok: false; why: string };

const TOLERANCE_SECONDS = 5 * 60;

export function verifyStandardWebhook(
  secret: string,
  headers: IncomingHttpHeaders,
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Verdict {
  const id = one(headers["webhook-id"]);
  const timestamp = one(headers["webhook-timestamp"]);
  const signatures = one(headers["webhook-signature"]);
  if (!id || !timestamp || !signatures) return { ok: false, why: "missing webhook-* header" };
  if (!/^\d+$/.test(timestamp)) return { ok: false, why: `timestamp ${timestamp} is not integer seconds` };
  if (Math.abs(nowSeconds - Number(timestamp)) > TOLERANCE_SECONDS)
    return { ok: false, why: "timestamp too far" };
  if (!secret.startsWith("whsec_")) return { ok: false, why: "secret without whsec_ prefix" };
  const key = Buffer.from(secret.substring("whsec_".length), "base64");
  const expected = createHmac("sha256", key)
    .update(Buffer.from(`${id}.${timestamp}.${body}`, "utf8"))
    .digest();
  // Space-delimited list (secret rotation); only "v1" entries are symmetric signatures.
  for (const entry of signatures.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || value === undefined) continue;
    const given = Buffer.from(value, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, why: "no signature matches" };
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
