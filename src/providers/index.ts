import type { Provider, ProviderRegistry } from "../core/provider.js";
import { commandProvider } from "./command/index.js";
import { releaseProvider } from "./release/index.js";

export { commandProvider, commandSettingsSchema, type CommandSettings } from "./command/index.js";
export { releaseProvider, releaseSettingsSchema, type ReleaseSettings } from "./release/index.js";

/** Every provider that ships with backout, by kind (a fresh map on each call). */
export function builtinProviders(): ProviderRegistry {
  const all: Provider<never>[] = [releaseProvider, commandProvider];
  return new Map(all.map((p) => [p.kind, p]));
}
