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

export default async function plan(opts: GlobalOptions & ScopeOptions): Promise<number> {
  const engine = await openEngine(opts);
  try {
    const p = await engine.plan(planRequest(opts));
    if (opts.json) outJson(p);
    else out(planText(p));
    return 0;
  } finally {
    await engine.store.close();
  }
}
