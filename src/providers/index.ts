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

export { builtinProviders } from "./builtin.js";
