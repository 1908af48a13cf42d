import type { EnvironmentConfig } from "../config/types.js";
import { BackoutError } from "../core/errors.js";
import type { ComponentConfig } from "../core/model.js";

/** The postgres components a command works on: all of them, or the one --component names. */
export function postgresComponents(
  config: EnvironmentConfig,
  component: string | undefined,
  purpose: string,
): ComponentConfig[] {
  const all = config.components.filter((c) => c.kind === "postgres");
  const chosen = component === undefined ? all : all.filter((c) => c.name === component);
  if (chosen.length === 0) {
    const known = all.map((c) => c.name).join(", ");
    throw new BackoutError(
      component === undefined ? "USAGE" : "UNKNOWN_COMPONENT",
      component === undefined
        ? `${config.file} has no postgres component to ${purpose}`
        : `no postgres component named ${component} in ${config.file}`,
      {
        hint:
          known === ""
            ? "Add a component of kind postgres to the environment file."
            : `--component takes one of the postgres components: ${known}`,
        where: { file: config.file, field: "components" },
      },
    );
  }
  return chosen;
}
