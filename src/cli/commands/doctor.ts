/**
 * `backout doctor`: checks everything a rollback will need, per component and for the
 * environment, and prints one line per check with its fix. Exit 0 when nothing fails, 1 otherwise.
 */
import { openEngine, type GlobalOptions } from "../context.js";
import { doctorText } from "../doctor/doctor-text.js";
import { runDoctor } from "../doctor/run-doctor.js";
import { EXIT } from "../exit-codes.js";
import { out, outJson } from "../output.js";
import { checkRunner } from "../../api/wiring.js";

export default async function doctor(opts: GlobalOptions): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const report = await runDoctor(engine, checkRunner());
    if (opts.json) outJson(report);
    else out(doctorText(report, new Map(engine.config.components.map((c) => [c.name, c.kind]))));
    return report.status === "fail" ? EXIT.failed : EXIT.ok;
  } finally {
    await engine.close();
  }
}
