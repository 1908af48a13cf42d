/**
 * `backout run --json` while clients load the edge, so the samples span the whole rollback:
 * 20 answers from v2 before it, 40 after it.
 */
import { type Sample, startLoad } from "./load.js";
import { NEW, OLD, pairBody } from "./services.js";
import type { System } from "./system.js";

type RunResult = Awaited<ReturnType<System["backout"]>>;

export interface RunUnderLoad {
  samples: Sample[];
  runStart: number;
  runEnd: number;
}

/** `check` judges the run as soon as it ends, before the wait for the answers after it. */
export async function runUnderLoad(sys: System, check: (r: RunResult) => void): Promise<RunUnderLoad> {
  const load = startLoad({
    url: sys.edge?.nginx.url("/") ?? "",
    oldBody: pairBody(OLD),
    newBody: pairBody(NEW),
  });
  let runStart = 0;
  let runEnd = Infinity;
  try {
    await load.until((s) => s.filter((x) => x.outcome === "new").length >= 20, "20 answers from v2");
    runStart = Date.now();
    const r = await sys.backout("run", "--json");
    runEnd = Date.now();
    check(r);
    await load.until((s) => s.filter((x) => x.sentAt > runEnd).length >= 40, "40 answers after the rollback");
  } finally {
    await load.stop();
  }
  return { samples: load.samples, runStart, runEnd };
}
