import { readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { isErrno } from "../../fs/errno.js";

/** Absolute paths of one application root: `<root>/releases/<name>` and `<root>/current`. */
export interface Layout {
  root: string;
  releasesDir: string;
  current: string;
}

export function layoutOf(baseDir: string, path: string): Layout {
  const root = isAbsolute(path) ? resolve(path) : resolve(baseDir, path);
  return { root, releasesDir: join(root, "releases"), current: join(root, "current") };
}

export function releaseDir(layout: Layout, name: string): string {
  return join(layout.releasesDir, name);
}

/** The text we write into `current`: relative, so the whole root can be moved or mounted elsewhere. */
export function linkTextFor(name: string): string {
  return `releases/${name}`;
}

/**
 * Rejects names that would escape releases/ or are not a single file name. Everything else
 * (spaces, quotes, `;`, `$(...)`, newlines) is a legal file name and is used literally.
 */
export function releaseNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return `"${name}" is not a release directory name`;
  if (name.includes("/")) return 'contains "/"';
  if (name.includes("\0")) return "contains a NUL byte";
  return undefined;
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export interface CurrentLink {
  /** The link's text as stored ("releases/x" or an absolute path). */
  link: string;
  /** Absolute, normalised target. */
  target: string;
  /** The release name, when the target is a direct child of releases/. */
  release: string | undefined;
}

/** Reads `current`; undefined when it does not exist. Other errors (EINVAL: not a symlink) are thrown. */
export async function readCurrent(layout: Layout): Promise<CurrentLink | undefined> {
  let link: string;
  try {
    link = await readlink(layout.current);
  } catch (e) {
    if (isErrno(e, "ENOENT")) return undefined;
    throw e;
  }
  const target = resolve(layout.root, link);
  const parent = dirname(target);
  const inside = parent === layout.releasesDir || (await sameFile(parent, layout.releasesDir));
  return { link, target, release: inside ? basename(target) : undefined };
}

// Capistrano writes absolute links; the root itself may be reached through a symlink.
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    return (await realpath(a)) === (await realpath(b));
  } catch {
    return false;
  }
}
