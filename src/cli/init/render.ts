/**
 * The starter backout.yaml as text: comments saying what each part does, values written as
 * JSON strings (valid YAML, so any path or URL is quoted safely).
 */
import type { MigrationFormat } from "../../providers/postgres/index.js";

export interface ReleaseAnswer {
  name: string;
  path: string;
  health?: string;
}

export interface InitAnswers {
  environment: string;
  schemaFile: string;
  releases: ReleaseAnswer[];
  postgres?: { url: string; migrations: string; format: MigrationFormat | "auto" };
  nginx?: {
    config: string;
    include: string;
    upstream: string;
    pools: Record<string, string[]>;
    probe: string;
    poolHeader?: string;
  };
  haproxy?: { socket: string; backend: string };
  git: { name: string; repo: string }[];
  redis?: { url: string; patterns: string[] };
}

const q = (s: string) => JSON.stringify(s);

export function renderConfig(a: InitAnswers): string {
  const out: string[] = [
    `# yaml-language-server: $schema=${a.schemaFile}`,
    "# Written by `backout init`; see README.md and docs/ for every field.",
    "version: 1",
    `environment: ${q(a.environment)}`,
    "components:",
  ];
  if (a.nginx) {
    const n = a.nginx;
    out.push(
      "  edge:",
      "    kind: nginx",
      `    config: ${q(n.config)}`,
      `    include: ${q(n.include)} # backout owns this file; nginx.conf includes it inside http {}`,
      `    upstream: ${q(n.upstream)}`,
      "    pools:",
      ...Object.entries(n.pools).map(([pool, servers]) => `      ${q(pool)}: [${servers.map(q).join(", ")}]`),
      `    probe: { url: ${q(n.probe)}${n.poolHeader ? `, poolHeader: ${q(n.poolHeader)}` : ""} }`,
    );
  }
  if (a.haproxy) {
    out.push(
      "  lb:",
      "    kind: haproxy",
      `    socket: ${q(a.haproxy.socket)}`,
      `    backend: ${q(a.haproxy.backend)}`,
    );
  }
  for (const r of a.releases) {
    out.push(
      `  ${q(r.name)}:`,
      "    kind: release",
      `    path: ${q(r.path)} # releases/<name>/ and the current symlink`,
    );
    if (r.health) out.push(`    health: { http: ${q(r.health)} }`);
  }
  if (a.postgres) {
    const p = a.postgres;
    out.push(
      "  db:",
      "    kind: postgres",
      `    url: ${q(p.url)}`,
      `    migrations: ${q(p.migrations)}`,
      `    format: ${p.format}`,
    );
  }
  for (const g of a.git) out.push(`  ${q(g.name)}:`, "    kind: git", `    repo: ${q(g.repo)}`);
  if (a.redis) {
    out.push(
      "  cache:",
      "    kind: redis",
      `    url: ${q(a.redis.url)}`,
      `    patterns: [${a.redis.patterns.map(q).join(", ")}]`,
    );
  }
  return `${out.join("\n")}\n`;
}
