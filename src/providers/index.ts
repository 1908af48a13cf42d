import type { Provider, ProviderRegistry } from "../core/provider.js";
import { commandProvider } from "./command/index.js";
import { fileProvider } from "./file/index.js";
import { gitProvider } from "./git/index.js";
import { haproxyProvider } from "./haproxy/index.js";
import { nginxProvider } from "./nginx/index.js";
import { postgresProvider } from "./postgres/index.js";
import { redisProvider } from "./redis/index.js";
import { releaseProvider } from "./release/index.js";

export { commandProvider, commandSettingsSchema, type CommandSettings } from "./command/index.js";
export { fileProvider, fileSettingsSchema, type FileSettings } from "./file/index.js";
export {
  gitProvider,
  gitSettingsSchema,
  gitSatisfies,
  type GitSettings,
  type GitDetails,
} from "./git/index.js";
export { haproxyProvider, haproxySettingsSchema, type HaproxySettings } from "./haproxy/index.js";
export { nginxProvider, nginxSettingsSchema, type NginxSettings } from "./nginx/index.js";
export { postgresProvider, postgresSettingsSchema, type PostgresSettings } from "./postgres/index.js";
export { redisProvider, redisSettingsSchema, type RedisSettings } from "./redis/index.js";
export { releaseProvider, releaseSettingsSchema, type ReleaseSettings } from "./release/index.js";

/** Every provider that ships with backout, by kind (a fresh map on each call). */
export function builtinProviders(): ProviderRegistry {
  const all: Provider<never>[] = [
    releaseProvider,
    commandProvider,
    gitProvider,
    fileProvider,
    postgresProvider,
    nginxProvider,
    haproxyProvider,
    redisProvider,
  ];
  return new Map(all.map((p) => [p.kind, p]));
}
