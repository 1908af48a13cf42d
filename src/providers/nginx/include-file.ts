import { createHash } from "node:crypto";

/** What one include file says: the upstream's servers, the active pool and the maintenance switch. */
export interface IncludeState {
  upstream: string;
  pool: string;
  servers: string[];
  maintenance: boolean;
}

export interface RenderOptions {
  component: string;
  variablePrefix: string;
}

/**
 * The whole include file for one state. Deterministic, so "is the target reached" is a plain
 * comparison. It goes inside http {}: the upstream for proxy_pass, and two variables the
 * user's server block reads ($<prefix>_maintenance for `if`, $<prefix>_pool for a header).
 */
export function renderInclude(state: IncludeState, opts: RenderOptions): string {
  const servers = state.servers.map((s) => `    server ${s};`).join("\n");
  return [
    `# Managed by backout (component ${JSON.stringify(opts.component)}); do not edit by hand:`,
    "# backout rewrites this file atomically and reloads nginx on every switch.",
    `upstream ${state.upstream} {`,
    servers,
    "}",
    `map "" $${opts.variablePrefix}_pool {`,
    `    default "${state.pool}";`,
    "}",
    `map "" $${opts.variablePrefix}_maintenance {`,
    `    default ${state.maintenance ? 1 : 0};`,
    "}",
    "",
  ].join("\n");
}

/** Reads back what renderInclude wrote (tolerating changed whitespace); undefined when it is not such a file. */
export function parseInclude(text: string, variablePrefix: string): IncludeState | undefined {
  const body = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n");
  const upstream = /upstream\s+([A-Za-z0-9_.-]+)\s*\{([^}]*)\}/.exec(body);
  const pool = new RegExp(
    `map\\s+""\\s+\\$${variablePrefix}_pool\\s*\\{\\s*default\\s+"([^"]*)"\\s*;\\s*\\}`,
  ).exec(body);
  const maintenance = new RegExp(
    `map\\s+""\\s+\\$${variablePrefix}_maintenance\\s*\\{\\s*default\\s+([01])\\s*;\\s*\\}`,
  ).exec(body);
  if (!upstream?.[1] || pool?.[1] === undefined || maintenance?.[1] === undefined) return undefined;
  const servers = [...(upstream[2] ?? "").matchAll(/server\s+([^;]+);/g)].map((m) => (m[1] ?? "").trim());
  return { upstream: upstream[1], pool: pool[1], servers, maintenance: maintenance[1] === "1" };
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
