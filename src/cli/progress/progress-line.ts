/** The progress line of the original brief, with its emoji spelled out so they never arrive garbled. */

const REWIND = "\u23EE\uFE0F"; // ⏮️
const CHECK = "\u2705"; // ✅
const CYCLE = "\u{1F504}"; // 🔄

export function formatProgressLine(component: string, done: number, total: number, percent: number): string {
  return `${REWIND} Rolling Back: ${component} | ${CHECK} Restored: ${done}/${total} | ${CYCLE} Status: ${percent}%`;
}
