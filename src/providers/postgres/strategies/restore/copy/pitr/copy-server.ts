/**
 * The recovered copy as a server of its own, before the swap: started on a loopback port no
 * application knows (so nothing but backout can write to it while the replay runs), stopped
 * cleanly before its directory is renamed into place.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { failed, isRunning, pgCtl, type PgCtl } from "./pg-ctl.js";

export async function startCopy(ctl: PgCtl, dir: string, port: number): Promise<void> {
  const log = join(dir, "backout-replay.log");
  try {
    await pgCtl(ctl, [
      "-D",
      dir,
      "-l",
      log,
      "-w",
      "-t",
      "120",
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1`,
      "start",
    ]);
  } catch {
    throw failed(
      ctl,
      `the recovered copy in ${dir} did not start on port ${port}`,
      "Read the log above, fix the cause and resume (the recovery is not repeated; the live server was not touched).",
      log,
    );
  }
}

/**
 * Stops a server left running on `dir` by a killed run (its port is not known any more).
 * "immediate" for a copy about to be thrown away, "fast" for one whose data is kept.
 */
export async function stopIfRunning(ctl: PgCtl, dir: string, mode: "fast" | "immediate"): Promise<void> {
  if (!existsSync(join(dir, "postmaster.pid"))) return;
  if (await isRunning(ctl, dir)) await pgCtl(ctl, ["-D", dir, "-m", mode, "-w", "stop"]);
}
