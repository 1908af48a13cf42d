/**
 * The faults the harness injects into a real `backout` process: a full disk under the store (a
 * tiny tmpfs, root only), store damage after a crash, and the tmpfs plumbing. SIGKILL and
 * SIGSTOP are sent straight from trial.ts.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Damage } from "./scenario.js";

export const storeFile = (dir: string): string => join(dir, "store", "backout.db");

/** Mounts a tiny tmpfs as the store directory; false where that is not possible (not root). */
export function mountTinyStore(dir: string): boolean {
  const store = join(dir, "store");
  mkdirSync(store, { recursive: true });
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", store], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function unmountStore(dir: string): void {
  try {
    execFileSync("umount", ["-l", join(dir, "store")], { stdio: "ignore" });
  } catch {
    /* not mounted */
  }
}

/** Fills the store's disk to the last byte. */
export function fillDisk(dir: string): void {
  const filler = join(dir, "store", "filler");
  try {
    for (;;) appendFileSync(filler, Buffer.alloc(16 * 1024, 1));
  } catch {
    /* ENOSPC: full */
  }
  try {
    for (;;) appendFileSync(filler, Buffer.alloc(512, 1));
  } catch {
    /* full to the last block */
  }
}

export function freeDisk(dir: string): void {
  rmSync(join(dir, "store", "filler"), { force: true });
}

export function digest(file: string): string {
  try {
    return createHash("sha256").update(readFileSync(file)).digest("hex");
  } catch {
    return "missing";
  }
}

/**
 * Damages the store the way a bad disk or an operator would, after folding the WAL into the
 * main file (as any later open would), so the damage is not hidden behind WAL frames. Returns
 * the path of an intact copy, to put back once the refusal was checked.
 */
export function damageStore(dir: string, damage: Damage): string {
  const file = storeFile(dir);
  const db = new Database(file);
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const saved = `${file}.intact`;
  copyFileSync(file, saved);
  const size = statSync(file).size;
  if (damage === "empty") writeFileSync(file, "");
  if (damage === "truncate") truncateSync(file, Math.floor(size / 2));
  if (damage === "garbage") {
    const bytes = readFileSync(file);
    const page = bytes.readUInt16BE(16) === 1 ? 65536 : bytes.readUInt16BE(16);
    bytes.fill(0xa5, Math.min(page, bytes.length));
    writeFileSync(file, bytes);
  }
  return saved;
}

export function restoreStore(dir: string, saved: string): void {
  copyFileSync(saved, storeFile(dir));
  rmSync(saved, { force: true });
}
