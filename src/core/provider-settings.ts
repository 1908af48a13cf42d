import type { z } from "zod";
import { BackoutError } from "./errors.js";
import type { ProviderContext } from "./provider.js";

/**
 * A component's settings parsed again by its provider's schema: cheap, applies the defaults
 * for hand-built components, and checks what the provider was given. CONFIG_INVALID names the
 * component and the field.
 */
export function readProviderSettings<T extends z.ZodType>(
  schema: T,
  kind: string,
  ctx: ProviderContext<unknown>,
): z.output<T> {
  const parsed = schema.safeParse(ctx.component.settings);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BackoutError(
    "CONFIG_INVALID",
    ctx.redact(`invalid ${kind} settings: ${issue?.message ?? "unknown"}`),
    {
      where: { component: ctx.component.name, field: issue?.path.join(".") },
      hint: `Fix the component's settings in backout.yaml (see \`backout schema ${kind}\`).`,
    },
  );
}
