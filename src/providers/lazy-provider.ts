import { BackoutError } from "../core/errors.js";
import type { Provider } from "../core/provider.js";

/**
 * What the configuration needs of a kind (its schema, layer and description) without the
 * provider's code, and the sync `satisfies` the planner may ask before anything runs.
 */
export type ProviderKind = Pick<
  Provider,
  "kind" | "defaultLayer" | "settingsSchema" | "description" | "satisfies"
>;

const REQUIRED = ["capture", "plan", "apply", "verify"] as const;
/** The optional capabilities a kind has: callers test for them (`provider.archive?.(...)`). */
export type OptionalMethod = "checkpoint" | "wrap" | "doctor" | "drill" | "archive";

/**
 * A provider whose code loads on its first call: `backout status` on an environment of one kind
 * does not compile (nor build the schemas of) the seven others. `optional` must name exactly
 * the optional methods the loaded provider has (test/providers/registry.test.ts holds them equal).
 */
export function lazyProvider(
  head: ProviderKind,
  optional: readonly OptionalMethod[],
  load: () => Promise<Provider<never>>,
): Provider<never> {
  let loaded: Promise<Provider<never>> | undefined;
  // Descriptors, not a spread: the kind's settingsSchema is a getter that builds it on first use.
  const provider = Object.defineProperties({}, Object.getOwnPropertyDescriptors(head)) as Record<
    string,
    unknown
  >;
  for (const method of [...REQUIRED, ...optional]) {
    provider[method] = async (...args: unknown[]) => {
      const real = (await (loaded ??= load())) as unknown as Record<string, unknown>;
      const fn = real[method];
      if (typeof fn !== "function") {
        // The kind's list of optional methods disagrees with its provider: backout's own bug.
        throw new BackoutError("INTERNAL", `provider "${head.kind}" has no ${method}`, {
          retryable: false,
          hint: "This is a bug in backout: report it with the command and the message.",
        });
      }
      return Reflect.apply(fn, real, args) as unknown;
    };
  }
  return provider as unknown as Provider<never>;
}
