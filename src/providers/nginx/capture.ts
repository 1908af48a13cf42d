import { BackoutError } from "../../core/errors.js";
import type { ComponentState } from "../../core/model.js";
import type { ProviderContext } from "../../core/provider.js";
import { readIfExists } from "./atomic-file.js";
import { parseInclude, renderInclude, sha256 } from "./include-file.js";
import { pathsOf } from "./nginx-cli.js";
import { readSettings, type NginxSettings } from "./settings.js";

/**
 * The include file backout wrote is the source of truth (nginx serves what it says once
 * reloaded): its pool is the version; maintenance, servers and a hash go into details.
 */
export async function captureNginx(ctx: ProviderContext<NginxSettings>): Promise<ComponentState> {
  const settings = readSettings(ctx);
  const { include } = pathsOf(ctx, settings);
  const where = { component: ctx.component.name };
  let text: string | undefined;
  try {
    text = await readIfExists(include);
  } catch (e) {
    throw new BackoutError("PROVIDER_FAILED", `cannot read ${include}: ${String(e)}`, {
      where,
      cause: e,
      retryable: true,
      hint: "Check that backout may read the include file.",
    });
  }
  if (text === undefined) throw missingInclude(ctx, settings, include);
  const state = parseInclude(text, settings.variablePrefix);
  if (state === undefined) {
    throw new BackoutError("PROVIDER_FAILED", `${include} was not written by backout (or was edited)`, {
      where,
      hint: `The file must hold the upstream and the $${settings.variablePrefix}_pool/$${settings.variablePrefix}_maintenance maps backout writes; replace it with the content in details.example (pool of your choice).`,
      details: { example: exampleFor(ctx, settings) },
    });
  }
  return {
    version: state.pool,
    details: {
      maintenance: state.maintenance,
      servers: state.servers,
      upstream: state.upstream,
      sha256: sha256(text),
    },
  };
}

/**
 * A missing include is an error, not "the first pool": nginx cannot even start when an include
 * it names is missing, so guessing would report a state nothing serves.
 */
function missingInclude(ctx: ProviderContext<NginxSettings>, settings: NginxSettings, include: string) {
  const [first] = Object.keys(settings.pools);
  return new BackoutError("PROVIDER_FAILED", `the include file ${include} does not exist`, {
    where: { component: ctx.component.name, field: "include" },
    hint: `Create it with the content in details.example (pool "${first ?? "?"}"; change the pool name and servers to the pool that serves now), include it inside http {} of nginx.conf, then checkpoint again.`,
    details: { example: exampleFor(ctx, settings) },
  });
}

function exampleFor(ctx: ProviderContext<NginxSettings>, settings: NginxSettings): string {
  const [pool, servers] = Object.entries(settings.pools)[0] ?? ["default", ["127.0.0.1:8080"]];
  return renderInclude(
    { upstream: settings.upstream, pool, servers, maintenance: false },
    { component: ctx.component.name, variablePrefix: settings.variablePrefix },
  );
}
