import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PlannedStep } from "../../../src/core/model.js";
import type { ProviderContext } from "../../../src/core/provider.js";
import { nginxProvider, type NginxSettings } from "../../../src/providers/nginx/index.js";
import { renderInclude } from "../../../src/providers/nginx/include-file.js";
import { type NginxInstance, startNginx } from "../../support/nginx.js";
import { contextFor, planned } from "../context.js";

export const UPSTREAM = "app_pool";
export const POOL_HEADER = "X-Backout-Pool";

/** Two tiny upstreams: each answers its own name, so a response says which pool served it. */
export interface Pools {
  addresses: Record<"blue" | "green", string>;
  close(): Promise<void>;
}

export async function startPools(): Promise<Pools> {
  const servers: Server[] = [];
  const addresses = { blue: "", green: "" };
  for (const name of ["blue", "green"] as const) {
    const srv = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(name);
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    addresses[name] = `127.0.0.1:${(srv.address() as AddressInfo).port}`;
    servers.push(srv);
  }
  return {
    addresses,
    close: async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

/**
 * The server block the README documents: maintenance answers 503 before proxying, the header
 * shows which configuration served, and proxy_pass uses the upstream backout writes.
 */
export function serverBlock(port: number, includePath: string): string {
  return `  include ${includePath};
  server {
    listen 127.0.0.1:${port};
    add_header ${POOL_HEADER} $backout_pool always;
    if ($backout_maintenance) { return 503; }
    location / {
      proxy_pass http://${UPSTREAM};
    }
  }`;
}

export interface Edge {
  nginx: NginxInstance;
  includePath: string;
  settings: Record<string, unknown>;
  ctx: ProviderContext<NginxSettings>;
  stop(): Promise<void>;
}

/** A real nginx fronting the pools, with a backout-written include that starts on `initial`. */
export async function startEdge(
  pools: Pools,
  initial: "blue" | "green",
  extra: { pauseDuringRollback?: boolean; probe?: Record<string, unknown> } = {},
): Promise<Edge> {
  const first = renderInclude(
    { upstream: UPSTREAM, pool: initial, servers: [pools.addresses[initial]], maintenance: false },
    { component: "edge", variablePrefix: "backout" },
  );
  const nginx = await startNginx({
    files: { "conf/backout.conf": first },
    http: ({ port, dir }) => serverBlock(port, `${dir}/conf/backout.conf`),
  });
  const includePath = `${nginx.dir}/conf/backout.conf`;
  const settings: Record<string, unknown> = {
    nginx: nginx.binary,
    config: nginx.confPath,
    prefix: nginx.dir,
    include: "conf/backout.conf",
    upstream: UPSTREAM,
    pools: { blue: [pools.addresses.blue], green: [pools.addresses.green] },
    probe: { url: nginx.url("/"), poolHeader: POOL_HEADER, retries: 40, interval: 0.15, ...extra.probe },
  };
  if (extra.pauseDuringRollback !== undefined) settings.pauseDuringRollback = extra.pauseDuringRollback;
  const ctx = contextFor(nginxProvider, { name: "edge", baseDir: nginx.dir, settings });
  return { nginx, includePath, settings, ctx, stop: () => nginx.stop() };
}

export interface Answer {
  status: number;
  body: string;
  pool: string | undefined;
}

/** One GET on a fresh connection. Rejects on a connection error (what the no-drop test counts). */
export function fetchOnce(url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        const h = res.headers[POOL_HEADER.toLowerCase()];
        resolve({ status: res.statusCode ?? 0, body, pool: Array.isArray(h) ? h.join(",") : h });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

/** The provider's planned steps from one state to another, numbered like the planner does. */
export async function planSteps(
  ctx: ProviderContext<NginxSettings>,
  from: { version: string; details?: Record<string, unknown> },
  to: { version: string; details?: Record<string, unknown> },
): Promise<PlannedStep[]> {
  const specs = await nginxProvider.plan(ctx, from, to);
  return specs.map((s, i) => planned(ctx, s, i + 1));
}
