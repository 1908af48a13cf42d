/**
 * A lazily loaded provider asked for a method its code does not have (a kind whose list of
 * optional methods disagrees with its provider) fails as what it is: backout's own bug, a
 * BackoutError INTERNAL that is not retried, naming the kind and the method.
 */
import { describe, expect, it } from "vitest";
import { lazyProvider } from "../../src/providers/lazy-provider.js";
import { releaseProvider } from "../../src/providers/index.js";
import { expectBackoutError } from "./fixtures.js";

describe("lazyProvider", () => {
  it("a method the loaded provider lacks is an INTERNAL, non-retryable BackoutError", async () => {
    // The release provider has no archive capability; this kind claims it has.
    expect("archive" in releaseProvider).toBe(false);
    const p = lazyProvider(releaseProvider, ["archive"], () => Promise.resolve(releaseProvider));
    const e = await expectBackoutError((p.archive as () => Promise<unknown>)(), "INTERNAL");
    expect([e.code, e.retryable, e.message]).toEqual([
      "INTERNAL",
      false,
      'provider "release" has no archive',
    ]);
    expect(e.hint).toMatch(/bug in backout/);
  });
});
