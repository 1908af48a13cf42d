/**
 * The system's nginx edge: a real nginx (test/support/nginx.ts) whose server block answers 503
 * while backout's include says maintenance, and otherwise proxies to one upstream pool, `web`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseInclude, renderInclude } from "../../src/providers/nginx/include-file.js";
import { type NginxInstance, startNginx } from "../support/nginx.js";

export const UPSTREAM = "edge_pool";
export const POOL = "web";
export const POOL_HEADER = "X-Backout-Pool";
const INCLUDE = "conf/backout.conf";

export interface SystemEdge {
  nginx: NginxInstance;
  /** The include backout owns (absolute). */
  includePath: string;
  /** The `edge` component's settings, for backout.yaml. */
  settings: Record<string, unknown>;
  /** What the include says now. */
  maintenance(): boolean;
}

export async function startSystemEdge(webAddress: string): Promise<SystemEdge> {
  const first = renderInclude(
    { upstream: UPSTREAM, pool: POOL, servers: [webAddress], maintenance: false },
    { component: "edge", variablePrefix: "backout" },
  );
  const nginx = await startNginx({
    files: { [INCLUDE]: first },
    http: ({ port, dir }) => `  include ${join(dir, INCLUDE)};
  server {
    listen 127.0.0.1:${port};
    add_header ${POOL_HEADER} $backout_pool always;
    if ($backout_maintenance) { return 503; }
    location / {
      proxy_pass http://${UPSTREAM};
    }
  }`,
  });
  const includePath = join(nginx.dir, INCLUDE);
  return {
    nginx,
    includePath,
    settings: {
      nginx: nginx.binary,
      config: nginx.confPath,
      prefix: nginx.dir,
      include: includePath,
      upstream: UPSTREAM,
      pools: { [POOL]: [webAddress] },
      pauseDuringRollback: true,
      probe: { url: nginx.url("/"), poolHeader: POOL_HEADER, interval: 0.1, retries: 50 },
    },
    maintenance: () => parseInclude(readFileSync(includePath, "utf8"), "backout")?.maintenance === true,
  };
}
