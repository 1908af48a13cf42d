/**
 * A secret with a `"` or `\` is escaped inside JSON text: redactValue (JSON text) and the
 * server's log lines (JSON text) must still hide it, and the redacted value must stay valid.
 */
import { describe, expect, it } from "vitest";
import { Redactor } from "../../src/config/redactor.js";

const SECRET = 'tok"en\\with-quote-and-backslash';

describe("Redactor and secrets that JSON escapes", () => {
  it("redactValue hides a secret with a quote and a backslash, in values and in messages", () => {
    const r = new Redactor();
    r.add(SECRET);
    const out = r.redactValue({ message: `no checkpoint named "${SECRET}"`, list: [SECRET], n: 1 });
    expect(out).toEqual({ message: 'no checkpoint named "***"', list: ["***"], n: 1 });
    expect(JSON.stringify(out)).not.toContain("tok");
  });

  it("redact hides the secret in a JSON log line as well as in plain text", () => {
    const r = new Redactor();
    r.add(SECRET);
    expect(r.redact(JSON.stringify({ url: `/x?t=${SECRET}` }))).toBe('{"url":"/x?t=***"}');
    expect(r.redact(`plain ${SECRET} text`)).toBe("plain *** text");
  });

  it("a control character in a secret is hidden in both forms too", () => {
    const r = new Redactor();
    r.add("line\none-secret");
    expect(r.redactValue({ m: "a line\none-secret b" })).toEqual({ m: "a *** b" });
  });

  it("a secret percent-encoded in a logged URL is hidden too", () => {
    const r = new Redactor();
    r.add(SECRET);
    const url = `/api/v1/status?token=${encodeURIComponent(SECRET)}`;
    expect(r.redact(JSON.stringify({ url }))).toBe('{"url":"/api/v1/status?token=***"}');
  });
});
