/**
 * Standard Webhooks symmetric signatures (spec/standard-webhooks.md): HMAC-SHA256 over
 * "{msg_id}.{timestamp}.{payload}" with the base64-decoded `whsec_` secret, sent as "v1,<base64>".
 */
import { createHmac, randomBytes } from "node:crypto";

const PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The key bytes of a `whsec_` secret; undefined when malformed or outside 24..64 bytes (the spec's range). */
export function decodeSecret(secret: string): Buffer | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const key = Buffer.from(encoded, "base64");
  return key.length >= 24 && key.length <= 64 ? key : undefined;
}

/** "v1,<base64>" for one message; `timestampSeconds` is the attempt's time, not the event's. */
export function signMessage(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", key).update(`${id}.${timestampSeconds}.${body}`, "utf8").digest("base64");
  return `v1,${mac}`;
}

/** A message id without "." (the spec forbids it: the id is part of the signed content). */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString("base64url").replace(/[-_]/g, "")}`;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

export function signedHeaders(
  key: Buffer,
  id: string,
  timestampSeconds: number,
  body: string,
): SignedHeaders {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signMessage(key, id, timestampSeconds, body),
  };
}
