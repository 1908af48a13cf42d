import { cliActor, openEngine, type GlobalOptions } from "../context.js";
import { out, outJson, table } from "../output.js";

export default async function checkpoint(
  opts: GlobalOptions & { name?: string; good?: boolean; allowPartial?: boolean },
): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const cp = await engine.checkpoint({
      ...(opts.name ? { name: opts.name } : {}),
      good: Boolean(opts.good),
      allowPartial: Boolean(opts.allowPartial),
      by: cliActor(opts),
    });
    if (opts.json) outJson(cp);
    else {
      out(`checkpoint ${cp.name} (${cp.id})${cp.good ? ", marked good" : ""}`);
      out(
        table(
          ["  component", "version"],
          Object.entries(cp.components).map(([n, s]) => [`  ${n}`, s.version]),
        ),
      );
      // What a provider took besides the state (a snapshot, its size, what it cannot cover).
      for (const [n, s] of Object.entries(cp.components))
        if (typeof s.details?.note === "string") out(`  ${n}: ${s.details.note}`);
      for (const [n, why] of Object.entries(cp.unreadable ?? {}))
        out(`  ${n}: NOT RECORDED (${why}); plans that need ${n} to this checkpoint are refused`);
    }
    return 0;
  } finally {
    await engine.close();
  }
}
