import type { ProviderRegistry } from "../core/provider.js";
import { commandKind } from "./command/kind.js";
import { fileKind } from "./file/kind.js";
import { gitKind } from "./git/kind.js";
import { haproxyKind } from "./haproxy/kind.js";
import { lazyProvider } from "./lazy-provider.js";
import { nginxKind } from "./nginx/kind.js";
import { postgresKind } from "./postgres/kind.js";
import { redisKind } from "./redis/kind.js";
import { releaseKind } from "./release/kind.js";

/**
 * Every provider that ships with backout, by kind (a fresh map on each call), in the order the
 * schema lists them. Each one's code loads when a component of its kind is first used.
 */
export function builtinProviders(): ProviderRegistry {
  const all = [
    lazyProvider(releaseKind, ["doctor"], async () => (await import("./release/index.js")).releaseProvider),
    lazyProvider(commandKind, ["doctor"], async () => (await import("./command/index.js")).commandProvider),
    lazyProvider(gitKind, ["doctor"], async () => (await import("./git/index.js")).gitProvider),
    lazyProvider(fileKind, ["doctor"], async () => (await import("./file/index.js")).fileProvider),
    lazyProvider(
      postgresKind,
      ["checkpoint", "doctor", "drill", "archive"],
      async () => (await import("./postgres/index.js")).postgresProvider,
    ),
    lazyProvider(nginxKind, ["wrap", "doctor"], async () => (await import("./nginx/index.js")).nginxProvider),
    lazyProvider(
      haproxyKind,
      ["wrap", "doctor"],
      async () => (await import("./haproxy/index.js")).haproxyProvider,
    ),
    lazyProvider(redisKind, ["doctor"], async () => (await import("./redis/index.js")).redisProvider),
  ];
  return new Map(all.map((p) => [p.kind, p]));
}
