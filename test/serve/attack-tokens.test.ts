/**
 * Attacks on the token table as the server builds it at start: a variable that is unset, empty
 * or short is a clear configuration error naming it (never an open server), and one token
 * value under two entries is refused (it authenticated as whichever entry came last, so its
 * roles and the journal's "who" depended on the order of the file).
 */
import { describe, expect, it } from "vitest";
import { BackoutError } from "../../src/core/errors.js";
import type { ServeConfig } from "../../src/serve/config.js";
import { TokenTable } from "../../src/serve/tokens.js";

const config = (tokens: ServeConfig["tokens"]) => ({ tokens }) as ServeConfig;
const refusal = (f: () => unknown): BackoutError => {
  try {
    f();
  } catch (e) {
    if (e instanceof BackoutError) return e;
    throw e;
  }
  throw new Error("not refused");
};

describe("attack: the token table at start", () => {
  it.each([
    ["unset", {}],
    ["empty", { T_A: "" }],
    ["short", { T_A: "short" }],
  ])("a token variable that is %s is CONFIG_ENV_MISSING naming it", (_what, env) => {
    const e = refusal(() => TokenTable.fromEnv(config([{ name: "a", env: "T_A", roles: ["viewer"] }]), env));
    expect(e.code).toBe("CONFIG_ENV_MISSING");
    expect(e.message).toContain("T_A");
    expect(e.where).toEqual({ field: "serve.tokens[0].env" });
  });

  it("one value under two entries (a viewer and an approver) is refused, whichever variables hold it", () => {
    const value = "same-token-0123456789abcdef";
    const tokens: ServeConfig["tokens"] = [
      { name: "vera", env: "T_V", roles: ["viewer"] },
      { name: "anna", env: "T_A", roles: ["approver"] },
    ];
    for (const env of [{ T_V: value, T_A: value }]) {
      const e = refusal(() => TokenTable.fromEnv(config(tokens), env));
      expect(e.code).toBe("CONFIG_INVALID");
      expect(e.message).toBe("serve.tokens[1] (anna) has the same token as serve.tokens[0] (vera)");
      expect(e.message).not.toContain(value);
    }
    const same = refusal(() =>
      TokenTable.fromEnv(config([tokens[0]!, { ...tokens[1]!, env: "T_V" }]), { T_V: value }),
    );
    expect(same.code).toBe("CONFIG_INVALID");
  });

  it("distinct values each authenticate as their own entry, a prefix or a longer value as none", () => {
    const { table } = TokenTable.fromEnv(
      config([
        { name: "vera", env: "T_V", roles: ["viewer"] },
        { name: "anna", env: "T_A", roles: ["approver"] },
      ]),
      { T_V: "vera-token-0123456789abcdef", T_A: "anna-token-0123456789abcdef" },
    );
    expect(table.authenticate("Bearer vera-token-0123456789abcdef")?.name).toBe("vera");
    expect(table.authenticate("Bearer anna-token-0123456789abcdef")?.name).toBe("anna");
    expect(table.authenticate("Bearer anna-token-0123456789abcde")).toBeUndefined();
    expect(table.authenticate("Bearer anna-token-0123456789abcdefX")).toBeUndefined();
    expect(table.authenticate("bearer anna-token-0123456789abcdef")).toBeUndefined();
    expect(table.authenticate("Bearer  anna-token-0123456789abcdef")).toBeUndefined();
    expect(table.authenticate(undefined)).toBeUndefined();
  });
});
