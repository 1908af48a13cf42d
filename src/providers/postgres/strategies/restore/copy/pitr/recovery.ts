/**
 * Recovery of a base backup copy to a named restore point, on a spare port, while the live
 * server keeps running: copy, recovery settings + recovery.signal, start, wait until promoted
 * (recovery.signal gone, pg_controldata "in production"), stop, remove the recovery settings.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommandOk } from "../../../../../../process/run-command.js";
import { type Runtime, safePoint } from "../runtime.js";
import { literal } from "../create-copy.js";
import { KEPT_DIR_MARKER } from "../names.js";
import { clusterState, failed, isRunning, pgCtl, type PgCtl } from "./pg-ctl.js";

const BEGIN = "# backout recovery settings (removed after promotion)";
const END = "# end of backout recovery settings";
export const RECOVERED_MARKER = "backout-recovered.json";

export interface RecoveryInput {
  baseBackup: string;
  walArchive: string;
  restoreCommand?: string;
  restorePoint: string;
  into: string;
  port: number;
  /** uid:gid of the live data directory, when we are root. */
  owner?: string;
  timeoutMs: number;
}

export async function recoverCopy(ctl: PgCtl, input: RecoveryInput, rt: Runtime): Promise<number> {
  const { clock } = rt;
  const started = clock.now();
  const { into } = input;
  await runCommandOk({ argv: ["cp", "-a", input.baseBackup, into], redact: ctl.redact, where: ctl.where });
  if (input.owner)
    await runCommandOk({ argv: ["chown", "-R", input.owner, into], redact: ctl.redact, where: ctl.where });
  await runCommandOk({ argv: ["chmod", "700", into], redact: ctl.redact, where: ctl.where });
  for (const stale of ["postmaster.pid", "standby.signal", RECOVERED_MARKER, KEPT_DIR_MARKER])
    rmSync(join(into, stale), { force: true });
  const restore = input.restoreCommand ?? `cp '${input.walArchive.replace(/'/g, "")}/%f' '%p'`;
  appendFileSync(
    join(into, "postgresql.auto.conf"),
    [
      BEGIN,
      `restore_command = '${literal(restore)}'`,
      `recovery_target_name = '${literal(input.restorePoint)}'`,
      "recovery_target_action = 'promote'",
      // The restore point is on the base backup's timeline; 'latest' (the default) could follow
      // a timeline an earlier, killed attempt promoted and archived.
      "recovery_target_timeline = 'current'",
      END,
      "",
    ].join("\n"),
  );
  writeFileSync(join(into, "recovery.signal"), "");
  if (input.owner)
    await runCommandOk({ argv: ["chown", "-R", input.owner, into], redact: ctl.redact, where: ctl.where });

  const log = join(into, "backout-recovery.log");
  // -W: recovery may take long; we wait on the control file instead of on connections.
  await pgCtl(ctl, [
    "-D",
    into,
    "-l",
    log,
    "-W",
    "-o",
    `-p ${input.port} -c listen_addresses=127.0.0.1`,
    "start",
  ]);
  const until = clock.now() + input.timeoutMs;
  let seenRunning = false;
  for (;;) {
    // The copied control file already says "in production" (the source was running): promotion
    // is when the server removes recovery.signal, then the state says so again.
    const state = await clusterState(ctl, into);
    if (!existsSync(join(into, "recovery.signal")) && state === "in production") break;
    // Right after `start -W` the pid file may not exist yet: "not running" counts once seen running.
    const running = await isRunning(ctl, into);
    seenRunning ||= running;
    const died = seenRunning && !running;
    if (rt.signal.aborted) {
      // A copy is only ever used once marked recovered: stopping it here is safe, a resume recovers again.
      if (running) await pgCtl(ctl, ["-D", into, "-m", "immediate", "stop"]).catch(() => undefined);
      safePoint(rt, ctl.where, "the recovery of the copy finished");
    }
    const now = clock.now();
    if (died || now > until || (!seenRunning && now > started + 30_000)) {
      if (running) await pgCtl(ctl, ["-D", into, "-m", "immediate", "stop"]).catch(() => undefined);
      throw failed(
        ctl,
        `recovery of ${input.baseBackup} to restore point ${input.restorePoint} did not finish (cluster state: ${state})`,
        `Check that the WAL archive ${input.walArchive} holds every segment from the base backup to the restore point (the server's archive_command), then resume. The live server was not touched.`,
        log,
      );
    }
    await clock.sleep(100, rt.signal);
  }
  await pgCtl(ctl, ["-D", into, "-m", "fast", "-w", "stop"]);
  stripRecoverySettings(join(into, "postgresql.auto.conf"));
  writeFileSync(
    join(into, RECOVERED_MARKER),
    JSON.stringify({ restorePoint: input.restorePoint, at: new Date(clock.now()).toISOString() }),
  );
  return clock.now() - started;
}

export function isRecovered(dir: string): boolean {
  return existsSync(join(dir, RECOVERED_MARKER));
}

function stripRecoverySettings(file: string): void {
  const text = readFileSync(file, "utf8");
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  if (from < 0 || to < 0) return;
  writeFileSync(file, text.slice(0, from) + text.slice(to + END.length + 1));
}
