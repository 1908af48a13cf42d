/**
 * Snapshot retention: a new checkpoint keeps the snapshots of the `keepSnapshots` newest
 * checkpoints of its component (its own included) and removes the rest: their replication
 * slots (each pins the server's WAL since its checkpoint) and their dump files or base
 * backups (each the size of the database). A plan to a checkpoint whose snapshot is gone says so.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Queryable } from "../../../connection/queryable.js";
import { dropOlderSlots } from "./slot.js";

export interface Removed {
  slots: string[];
  files: string[];
}

export async function keepNewestSnapshots(
  db: Queryable,
  newest: { slot: string; file: string; dir: string },
  keep: number,
): Promise<Removed> {
  const slots = await dropOlderSlots(db, newest.slot, keep);
  return { slots, files: removeOlderFiles(newest.dir, newest.file, keep) };
}

/** The `.dump` files and `.base` directories in `dir` beyond the `keep` newest (by modification time). */
function removeOlderFiles(dir: string, newest: string, keep: number): string[] {
  const others = readdirSync(dir)
    .filter((name) => /\.(dump|base)$/.test(name))
    .map((name) => join(dir, name))
    .filter((path) => path !== newest)
    .map((path) => ({ path, at: statSync(path).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  const older = others.slice(Math.max(0, keep - 1)).map((o) => o.path);
  for (const path of older) rmSync(path, { recursive: true, force: true });
  return older;
}
