/** The demo's look at one service: its answer on `/` and on `/health`, each GET bounded by the Clock. */
import type { Clock } from "../core/clock.js";
import { clockTimeout } from "../core/clock-timeout.js";
import type { DemoService } from "./demo-files.js";

/** How long one GET (answer and body) may take. */
export const PROBE_TIMEOUT_MS = 2000;

/** "web: web v1.4.0, /health → 200 ok", or "web: unreachable (why)". */
export async function probeService(s: DemoService, clock: Clock): Promise<string> {
  try {
    const health = await get(`http://127.0.0.1:${s.port}/health`, clock);
    const body = await get(`http://127.0.0.1:${s.port}/`, clock);
    return `${s.name}: ${body.text}, /health → ${health.status} ${health.text}`;
  } catch (e) {
    return `${s.name}: unreachable (${e instanceof Error ? e.message : String(e)})`;
  }
}

async function get(url: string, clock: Clock): Promise<{ status: number; text: string }> {
  const budget = clockTimeout(clock, PROBE_TIMEOUT_MS);
  try {
    const res = await fetch(url, { signal: budget.signal });
    return { status: res.status, text: (await res.text()).trim() };
  } finally {
    budget.dispose();
  }
}
