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
  ["postgres", pgTarget, "postgres://app:{}@db.example:6543/shop?{}"],
  ["redis", redisTarget, "redis://app:{}@cache.example:6380/2?{}"],
])("%s target", (_kind, parse, template) => {
  /** The target of the template with `p` as the URL's password and `q` as its query. */
  const target = (p: string, q = "") => parse(template.replace("{}", p).replace("{}", q));

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

  it("hides a password given as the password query parameter, in both of its forms", () => {
    const t = target("", `sslmode=disable&password=${ENCODED}`);
    expect(t.safeUrl).toContain("password=***");
    expect(t.safeUrl).not.toContain(ENCODED);
    expect(t.scrub(`a ${PASSWORD} b ${ENCODED} c`)).toBe("a *** b *** c");
  });

  it("without a password changes no text", () => {
    const t = target("");
    expect(t.scrub("nothing secret here")).toBe("nothing secret here");
  });
});
