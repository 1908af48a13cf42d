/**
 * What `backout init` can find on its own: release roots (a `current` symlink beside a
 * releases/ directory), a migrations directory and its tool, an nginx.conf, a HAProxy admin
 * socket, and DATABASE_URL / REDIS_URL in the environment.
 */
import { existsSync, lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { resolveFormat } from "../../providers/postgres/index.js";
import type { MigrationFormat } from "../../providers/postgres/index.js";

export function isReleaseRoot(dir: string): boolean {
  try {
    return lstatSync(join(dir, "current")).isSymbolicLink() && statSync(join(dir, "releases")).isDirectory();
  } catch {
    return false;
  }
}

/** `dir` itself and its subdirectories, two levels down (hidden ones and node_modules skipped). */
export function findReleaseRoots(dir: string, depth = 2): string[] {
  if (isReleaseRoot(dir)) return [dir];
  if (depth === 0) return [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && e.name !== "node_modules")
    .flatMap((e) => findReleaseRoots(join(dir, e.name), depth - 1));
}

const MIGRATION_DIRS = ["db/migrations", "migrations", "db/migrate", "sql/migrations", "db"];

export function findMigrationsDir(dir: string): string | undefined {
  return MIGRATION_DIRS.map((d) => join(dir, d)).find((d) => existsSync(d) && statSync(d).isDirectory());
}

/** The migration tool of `dir`'s files, or undefined when they do not tell. */
export async function detectFormat(dir: string): Promise<MigrationFormat | undefined> {
  try {
    return await resolveFormat("auto", dir);
  } catch {
    return undefined;
  }
}

export function firstExisting(paths: readonly string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

export const NGINX_CONFIGS = ["/etc/nginx/nginx.conf", "/usr/local/etc/nginx/nginx.conf"];
export const HAPROXY_SOCKETS = ["/run/haproxy/admin.sock", "/var/run/haproxy/admin.sock"];
