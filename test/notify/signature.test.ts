import { describe, expect, it } from "vitest";
import { decodeSecret, signMessage } from "../../src/notify/sign.js";
import { verifyStandardWebhook } from "./verify-standard-webhook.js";

// The vector of the reference library's "sign function works" test
// (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

describe("Standard Webhooks signature", () => {
  it("reproduces the spec's reference vector", () => {
    const key = decodeSecret(VECTOR.secret);
    expect(key?.length).toBe(24);
    expect(signMessage(key!, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it("the test's own verifier accepts the vector and rejects a changed body or secret", () => {
    const headers = {
      "webhook-id": VECTOR.id,
      "webhook-timestamp": String(VECTOR.timestamp),
      "webhook-signature": VECTOR.signature,
    };
    expect(verifyStandardWebhook(VECTOR.secret, headers, VECTOR.body, VECTOR.timestamp)).toEqual({
      ok: true,
    });
    expect(verifyStandardWebhook(VECTOR.secret, headers, `${VECTOR.body} `, VECTOR.timestamp).ok).toBe(false);
    const other = `whsec_${Buffer.alloc(24, 7).toString("base64")}`;
    expect(verifyStandardWebhook(other, headers, VECTOR.body, VECTOR.timestamp).ok).toBe(false);
  });

  it("accepts only whsec_ secrets of 24 to 64 bytes", () => {
    expect(decodeSecret(`whsec_${Buffer.alloc(32, 1).toString("base64")}`)?.length).toBe(32);
    expect(decodeSecret(Buffer.alloc(32, 1).toString("base64"))).toBeUndefined();
    expect(decodeSecret(`whsec_${Buffer.alloc(16, 1).toString("base64")}`)).toBeUndefined();
    expect(decodeSecret(`whsec_${Buffer.alloc(65, 1).toString("base64")}`)).toBeUndefined();
    expect(decodeSecret("whsec_not base64!")).toBeUndefined();
  });
});
