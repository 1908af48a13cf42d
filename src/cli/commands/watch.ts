import { watchDeploy, type Measurement } from "../../core/watch.js";
import { cliActor, openEngine, type GlobalOptions } from "../context.js";
import { EXIT, exitCodeForState } from "../exit-codes.js";
import { err, out } from "../output.js";

function line(m: Measurement, count: number): string {
  const detail = m.results.map((r) => `${r.name}: ${r.status}${r.status === "pass" ? "" : ` (${r.detail})`}`);
  return `measurement ${m.n}/${count}: ${m.verdict} — ${detail.join("; ")}`;
}

export default async function watch(
  opts: GlobalOptions & { name?: string; rollback: boolean },
): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const count = engine.config.watch?.count ?? 0;
    const json = Boolean(opts.json);
    const result = await watchDeploy(engine, {
      noRollback: !opts.rollback,
      by: cliActor(opts),
      ...(opts.name ? { checkpointName: opts.name } : {}),
      onMeasurement: (m) => (json ? out(JSON.stringify({ measurement: m })) : err(line(m, count))),
      onRollback: (reason) => err(`${reason}: rolling back to the last good checkpoint`),
    });
    if (json) out(JSON.stringify({ watch: { ...result, measurements: undefined } }));
    else
      err(
        result.checkpoint
          ? `${result.reason}; checkpoint ${result.checkpoint.name} marked good`
          : result.reason,
      );
    if (result.rollback && !json) {
      err(
        `rollback ${result.rollback.rollbackId}: ${result.rollback.state}. Report: backout report ${result.rollback.rollbackId}`,
      );
    }
    switch (result.verdict) {
      case "passed":
        return EXIT.ok;
      case "inconclusive":
        return EXIT.watchInconclusive;
      case "interrupted":
        return EXIT.interrupted;
      default: {
        const rollbackCode = result.rollback ? exitCodeForState(result.rollback.state) : EXIT.failed;
        return rollbackCode === EXIT.ok ? EXIT.watchRolledBack : rollbackCode;
      }
    }
  } finally {
    await engine.close();
  }
}
