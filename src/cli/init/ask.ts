/** Questions on the terminal for what `init` could not detect; an empty answer skips the part. */
import { createInterface, type Interface } from "node:readline/promises";

export interface Asker {
  ask(question: string, fallback?: string): Promise<string>;
  close(): void;
}

export function terminalAsker(): Asker {
  const rl: Interface = createInterface({ input: process.stdin, output: process.stderr });
  return {
    async ask(question, fallback) {
      const answer = (await rl.question(`${question}${fallback ? ` [${fallback}]` : ""}: `)).trim();
      return answer === "" ? (fallback ?? "") : answer;
    },
    close: () => rl.close(),
  };
}

/** --yes: every question takes its default (detected or from a flag). */
export const defaultsAsker: Asker = {
  ask: (_q, fallback) => Promise.resolve(fallback ?? ""),
  close: () => undefined,
};
