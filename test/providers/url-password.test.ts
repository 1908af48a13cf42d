/**
 * The password of a component's URL never shows: the safe URL has *** in its place, and the
 * scrub removes it from any text in both its forms (percent-encoded as written in the URL, and
 * decoded as a server or driver may echo it). Postgres and Redis targets share the rule.
 */
import { describe, expect, it } from "vitest";
import { pgTarget } from "../../src/providers/postgres/connection/url.js";
import { redisTarget } from "../../src/providers/redis/url.js";

const PASSWORD = "p@ss/w%";
const ENCODED = encodeURIComponent(PASSWORD);

describe.each([
  ["postgres", (p: string) => pgTarget(`postgres://app:${p}@db.example:6543/shop`)],
  ["redis", (p: string) => redisTarget(`redis://app:${p}@cache.example:6380/2`)],
])("%s target", (_kind, target) => {
  it("shows the URL with *** for the password and scrubs both of its forms", () => {
    const t = target(ENCODED);
    expect(t.safeUrl).toContain("//app:***@");
    expect(t.safeUrl).not.toContain(ENCODED);
    expect(t.scrub(`a ${PASSWORD} b ${ENCODED} c`)).toBe("a *** b *** c");
  });

  it("keeps a password that is not valid percent-encoding as written", () => {
    const t = target("50%off");
    expect(t.scrub("said 50%off")).toBe("said ***");
  });

  it("without a password changes no text", () => {
    const t = target("");
    expect(t.scrub("nothing secret here")).toBe("nothing secret here");
  });
});
