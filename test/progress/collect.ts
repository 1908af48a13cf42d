/** A PassThrough that remembers everything written to it. */
import { PassThrough } from "node:stream";

export function collectingStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Lets the PassThrough deliver what was written before reading it. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
