import { openEngine, type GlobalOptions } from "../context.js";
import { out, outJson } from "../output.js";
import { planText } from "../plan-text.js";

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
  opts: GlobalOptions & ScopeOptions & { preflight?: boolean },
): Promise<number> {
  const engine = await openEngine(opts, { readOnly: true });
  try {
    const p = await engine.plan(planRequest(opts));
    // --preflight: the doctor's checks, and the steps a failing one would break (exit 1 then).
    const pre = opts.preflight
      ? await (await import("../doctor/preflight.js")).preflight(engine, p)
      : undefined;
    if (opts.json) outJson(pre ? { ...p, preflight: pre } : p);
    else {
      out(planText(p));
      if (pre) out(`\n${(await import("../doctor/preflight.js")).preflightText(pre)}`);
    }
    return pre && pre.breaks.length > 0 ? 1 : 0;
  } finally {
    await engine.store.close();
  }
}
