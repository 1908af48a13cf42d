import type { EnvironmentConfig } from "../config/types.js";
import { BackoutError } from "../core/errors.js";
import type { ComponentConfig } from "../core/model.js";
import { asProvider, type Provider, type ProviderRegistry } from "../core/provider.js";

export type Capability = "drill" | "archive";

export interface Capable {
  component: ComponentConfig;
  provider: Provider;
}

/** The components whose provider offers the capability, and the kinds that do ("postgres"). */
function capable(
  config: EnvironmentConfig,
  providers: ProviderRegistry,
  capability: Capability,
): { all: Capable[]; kinds: string } {
  const all: Capable[] = [];
  for (const component of config.components) {
    const p = providers.get(component.kind);
    if (p && typeof p[capability] === "function") all.push({ component, provider: asProvider(p) });
  }
  const kinds = [...providers.values()].filter((p) => typeof p[capability] === "function").map((p) => p.kind);
  return { all, kinds: kinds.join(" or ") || capability };
}

/** The components a command works on: every one whose kind can do it, or the one --component names. */
export function capableComponents(
  config: EnvironmentConfig,
  providers: ProviderRegistry,
  capability: Capability,
  component: string | undefined,
  purpose: string,
): Capable[] {
  const { all, kinds } = capable(config, providers, capability);
  const chosen = component === undefined ? all : all.filter((c) => c.component.name === component);
  if (chosen.length === 0) {
    const known = all.map((c) => c.component.name).join(", ");
    throw new BackoutError(
      component === undefined ? "USAGE" : "UNKNOWN_COMPONENT",
      component === undefined
        ? `${config.file} has no ${kinds} component to ${purpose}`
        : `no ${kinds} component named ${component} in ${config.file}`,
      {
        hint:
          known === ""
            ? `Add a component of kind ${kinds} to the environment file.`
            : `--component takes one of the ${kinds} components: ${known}`,
        where: { file: config.file, field: "components" },
      },
    );
  }
  return chosen;
}

/** Exactly one such component: the only one, or the one --component names. */
export function oneCapableComponent(
  config: EnvironmentConfig,
  providers: ProviderRegistry,
  capability: Capability,
  name: string | undefined,
): Capable {
  const { all, kinds } = capable(config, providers, capability);
  const chosen = name === undefined ? all : all.filter((c) => c.component.name === name);
  const only = chosen[0];
  if (chosen.length !== 1 || !only) {
    const known = all.map((c) => c.component.name).join(", ") || "none";
    throw new BackoutError(
      "USAGE",
      name === undefined
        ? `${all.length ? "several" : "no"} ${kinds} components in the environment file (${known})`
        : `no ${kinds} component named "${name}" (${kinds} components: ${known})`,
      { hint: "name the database with --component NAME", where: { field: "components" } },
    );
  }
  return only;
}
