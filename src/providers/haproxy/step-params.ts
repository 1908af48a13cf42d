import * as z from "zod";
import { BackoutError } from "../../core/errors.js";
import type { ComponentState, PlannedStep } from "../../core/model.js";
import { parseVersion, serverSchema, type Servers } from "./server-state.js";
import { haproxyName } from "./settings.js";
import { notMadeBy, readStepParams } from "../step-params.js";

const serversSchema = z.record(haproxyName, serverSchema);

const paramsSchema = z.object({
  backend: haproxyName,
  /** Only the servers this step sets; others are left as they are. */
  servers: serversSchema,
});

export type SetServersParams = z.output<typeof paramsSchema>;

export function setServersParams(step: PlannedStep): SetServersParams {
  return readStepParams(paramsSchema, step, "has no backend/servers parameters", notMadeBy("haproxy"));
}

/** The servers of a captured state: its details, or (for a hand-written checkpoint) its version text. */
export function serversOf(state: ComponentState, component: string, which: string): Servers {
  const fromDetails = serversSchema.safeParse(state.details?.servers);
  if (fromDetails.success) return fromDetails.data;
  const fromVersion = parseVersion(state.version);
  if (fromVersion) return fromVersion;
  throw new BackoutError("PLAN_INVALID", `the ${which} state is not an haproxy state: "${state.version}"`, {
    where: { component },
    hint: 'An haproxy state looks like "web1=ready/100,web2=maint/0"; take a new checkpoint of this component.',
  });
}
