import { systemClock } from "../../core/clock.js";
import { runDemo } from "../../demo/scenario.js";
import { out, redactor } from "../output.js";

export default function demo(opts: { keep?: boolean }): Promise<number> {
  return runDemo({ keep: Boolean(opts.keep), redactor, print: out, clock: systemClock });
}
