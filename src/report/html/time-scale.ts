/** Maps journal times to x positions of the timeline chart, with round-number ticks. */
import { formatDuration } from "../format.js";

export interface Tick {
  at: number;
  x: number;
  label: string;
}

export interface TimeScale {
  origin: number;
  end: number;
  x(at: number): number;
  ticks(): Tick[];
}

const STEPS_MS = [
  10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  900_000, 1_800_000, 3_600_000, 7_200_000,
];
const MAX_TICKS = 8;

/** `left`..`left + width` in pixels shows `origin`..`end`; times outside are clamped to the edges. */
export function timeScale(origin: number, end: number, left: number, width: number): TimeScale {
  const span = Math.max(1, end - origin);
  const x = (at: number) => left + (Math.min(Math.max(at, origin), origin + span) - origin) * (width / span);
  return {
    origin,
    end: origin + span,
    x,
    ticks() {
      const step = STEPS_MS.find((s) => span / s <= MAX_TICKS) ?? Math.ceil(span / MAX_TICKS);
      const out: Tick[] = [];
      for (let t = 0; t <= span; t += step) {
        out.push({ at: origin + t, x: x(origin + t), label: t === 0 ? "0" : `+${formatDuration(t)}` });
      }
      return out;
    },
  };
}
