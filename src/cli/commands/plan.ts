import { readPlanFile, savedPlanText, writePlanFile } from "../../core/plan-file.js";
import { openEngine, type GlobalOptions } from "../context.js";
import { err, out, outJson, redactor } from "../output.js";
import { planText } from "../plan-text.js";
import { terminalWidth } from "../text-wrap.js";

export interface ScopeOptions {
  to?: string;
  only?: string[];
  except?: string[];
}

export function planRequest(opts: ScopeOptions) {
  return {
    ...(opts.to ? { target: opts.to } : {}),
    only: opts.only ?? [],
    except: opts.except ?? [],
  };
}

export default async function plan(
  opts: GlobalOptions & ScopeOptions & { preflight?: boolean; out?: string; force?: boolean },
): Promise<number> {
  const engine = await openEngine(opts, { readOnly: true });
  try {
    const p = await engine.plan(planRequest(opts));
    if (opts.out !== undefined) {
      // Secrets never reach the file: the plan is redacted when it is made, and once more here.
      await writePlanFile(opts.out, redactor.redact(savedPlanText(p, new Date())), Boolean(opts.force));
      // Read back as `run --plan` will: a file that would be refused is not reported as saved.
      await readPlanFile(opts.out);
    }
    // --preflight: the doctor's checks, and the steps a failing one would break (exit 1 then).
    const pre = opts.preflight
      ? await (await import("../doctor/preflight.js")).preflight(engine, p)
      : undefined;
    if (opts.json) outJson(pre ? { ...p, preflight: pre } : p);
    else {
      out(planText(p, { width: terminalWidth(), ...(opts.out === undefined ? {} : { savedTo: opts.out }) }));
      if (pre) out(`\n${(await import("../doctor/preflight.js")).preflightText(pre)}`);
    }
    if (opts.out !== undefined) {
      const confirm = p.dataLoss ? ` --confirm ${p.hash.slice(0, 12)}` : "";
      err(
        `saved plan ${p.hash.slice(0, 12)} to ${opts.out}; run exactly this plan with: backout run --plan ${opts.out}${confirm}`,
      );
    }
    return pre && pre.breaks.length > 0 ? 1 : 0;
  } finally {
    await engine.close();
  }
}
