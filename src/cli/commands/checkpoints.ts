import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson, table } from "../output.js";
import { showCheckpoint } from "./checkpoint-show.js";

export default async function checkpoints(
  opts: GlobalOptions & { limit: string },
  [ref]: string[],
): Promise<number> {
  const engine = await openEngine(opts, { readOnly: true });
  try {
    if (ref !== undefined) {
      await showCheckpoint(engine, ref, Boolean(opts.json));
      return 0;
    }
    const list = await engine.store.listCheckpoints(Number(opts.limit) || 20);
    if (opts.json) outJson(list);
    else if (list.length === 0) out("no checkpoints yet: take one with `backout checkpoint --name NAME`");
    else
      out(
        table(
          ["id", "name", "created", "good", "components"],
          list.map((c) => [
            c.id,
            c.name,
            new Date(c.createdAt).toISOString(),
            c.good ? "yes" : "",
            Object.entries(c.components)
              .map(([n, s]) => `${n}@${s.version}`)
              .join(" "),
          ]),
        ),
      );
    return 0;
  } finally {
    await engine.close();
  }
}
