/**
 * From flags, detection and (on a terminal) questions to the answers the file is written from.
 * Flags win, then what was detected; questions only cover what is still open.
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { BackoutError } from "../../core/errors.js";
import { MIGRATION_FORMATS, type MigrationFormat } from "../../providers/postgres/index.js";
import type { Asker } from "./ask.js";
import {
  detectFormat,
  findMigrationsDir,
  findReleaseRoots,
  firstExisting,
  HAPROXY_SOCKETS,
  NGINX_CONFIGS,
} from "./detect.js";
import type { InitAnswers } from "./render.js";

export interface InitFlags {
  environment?: string;
  release?: string[];
  health?: string;
  postgres?: string;
  migrations?: string;
  format?: string;
  nginxConfig?: string;
  nginxInclude?: string;
  upstream?: string;
  pool?: string[];
  probe?: string;
  poolHeader?: string;
  haproxySocket?: string;
  haproxyBackend?: string;
  git?: string[];
  redis?: string;
  redisPattern?: string[];
}

function usage(message: string, hint: string): BackoutError {
  return new BackoutError("USAGE", message, { hint });
}

/** Relative to the file's directory when inside it (the file moves with the project), else absolute. */
export function pathFor(baseDir: string, p: string): string {
  const abs = resolve(p);
  const rel = relative(baseDir, abs);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}

function parsePools(specs: readonly string[]): Record<string, string[]> {
  const pools: Record<string, string[]> = {};
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq <= 0)
      throw usage(
        `--pool ${spec}: expected NAME=HOST:PORT[,HOST:PORT]`,
        "For example --pool blue=10.0.0.1:8080 --pool green=10.0.1.1:8080.",
      );
    pools[spec.slice(0, eq)] = spec
      .slice(eq + 1)
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return pools;
}

export async function gatherAnswers(flags: InitFlags, baseDir: string, asker: Asker): Promise<InitAnswers> {
  const environment = flags.environment ?? (await asker.ask("Environment name", "production"));
  const releasePaths = flags.release ?? findReleaseRoots(baseDir);
  if (flags.release === undefined && releasePaths.length === 0) {
    const answer = await asker.ask("Release directory (holds releases/ and current; empty: none)");
    if (answer !== "") releasePaths.push(answer);
  }
  const releases = releasePaths.map((p) => ({
    name: basename(resolve(baseDir, p)).replace(/[^A-Za-z0-9_-]/g, "-") || "app",
    path: pathFor(baseDir, resolve(baseDir, p)),
    ...(flags.health && releasePaths.length === 1 ? { health: flags.health } : {}),
  }));

  const answers: InitAnswers = { environment, schemaFile: "", releases, git: [] };
  const pgUrl =
    flags.postgres ?? process.env.DATABASE_URL ?? (await asker.ask("PostgreSQL URL (empty: none)"));
  if (pgUrl !== "") {
    const found =
      flags.migrations ??
      findMigrationsDir(baseDir) ??
      (await asker.ask("Migrations directory", "db/migrations"));
    const dir = resolve(baseDir, found);
    let format: MigrationFormat | "auto" = "auto";
    if (flags.format !== undefined) {
      if (!(MIGRATION_FORMATS as readonly string[]).includes(flags.format)) {
        throw usage(
          `--format ${flags.format} is not a migration tool backout reads`,
          `Use one of: ${MIGRATION_FORMATS.join(", ")}.`,
        );
      }
      format = flags.format as MigrationFormat;
    } else {
      const detected = await detectFormat(dir);
      const answer =
        detected ?? (await asker.ask(`Migration tool (${MIGRATION_FORMATS.join(", ")})`, "auto"));
      format = (MIGRATION_FORMATS as readonly string[]).includes(answer)
        ? (answer as MigrationFormat)
        : "auto";
    }
    answers.postgres = { url: pgUrl, migrations: pathFor(baseDir, dir), format };
  }

  const nginxConfig = flags.nginxConfig ?? firstExisting(NGINX_CONFIGS);
  const pools = parsePools(flags.pool ?? []);
  if (nginxConfig !== undefined) {
    if (Object.keys(pools).length === 0) {
      const spec = await asker.ask(
        `nginx (${nginxConfig}): pools as NAME=HOST:PORT,... separated by spaces (empty: no nginx)`,
      );
      Object.assign(pools, parsePools(spec.split(/\s+/).filter(Boolean)));
    }
    if (Object.keys(pools).length > 0) {
      const probe =
        flags.probe ??
        (await asker.ask("nginx: URL that answers through nginx (the probe)", "http://127.0.0.1/"));
      const configAbs = resolve(baseDir, nginxConfig);
      answers.nginx = {
        config: pathFor(baseDir, configAbs),
        include: pathFor(
          baseDir,
          resolve(baseDir, flags.nginxInclude ?? join(dirname(configAbs), "backout", "edge.conf")),
        ),
        upstream: flags.upstream ?? "app_pool",
        pools,
        probe,
        ...(flags.poolHeader ? { poolHeader: flags.poolHeader } : {}),
      };
    } else if (flags.nginxConfig !== undefined) {
      throw usage(
        "--nginx-config needs at least one --pool",
        "For example --pool blue=127.0.0.1:8080 --probe http://127.0.0.1/.",
      );
    }
  }

  const socket = flags.haproxySocket ?? firstExisting(HAPROXY_SOCKETS);
  if (socket !== undefined) {
    const backend =
      flags.haproxyBackend ?? (await asker.ask(`HAProxy (${socket}): backend to manage (empty: none)`));
    if (backend !== "") answers.haproxy = { socket: pathFor(baseDir, resolve(baseDir, socket)), backend };
  }

  const repos = flags.git ?? [];
  if (flags.git === undefined) {
    const answer = await asker.ask("Git configuration repositories (paths separated by spaces; empty: none)");
    repos.push(...answer.split(/\s+/).filter(Boolean));
  }
  answers.git = repos.map((r, i) => ({
    name: repos.length === 1 ? "config" : `config-${i + 1}`,
    repo: pathFor(baseDir, resolve(baseDir, r)),
  }));

  const redis = flags.redis ?? process.env.REDIS_URL ?? (await asker.ask("Redis URL (empty: none)"));
  if (redis !== "") answers.redis = { url: redis, patterns: flags.redisPattern ?? ["cache:*"] };
  return answers;
}
