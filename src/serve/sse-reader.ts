/**
 * A reader of a Server-Sent Events stream (GET /api/v1/events) for Node clients: the tests and
 * bench/serve-load.ts read the server through it. Callback-driven rather than an async
 * generator: the caller's "stop" is seen after each event, and the reader is cancelled here,
 * once, instead of by a generator's return racing a pending read.
 */

/** One dispatched event; blocks without data (comments, a bare `id:`) are not dispatched. */
export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Splits text into complete blocks; what follows the last blank line waits for more text. */
export class SseParser {
  private buf = "";

  push(text: string): SseMessage[] {
    this.buf += text;
    const out: SseMessage[] = [];
    let cut: number;
    while ((cut = this.buf.indexOf("\n\n")) >= 0) {
      const block = this.buf.slice(0, cut);
      this.buf = this.buf.slice(cut + 2);
      const m = parseBlock(block);
      if (m) out.push(m);
    }
    return out;
  }
}

function parseBlock(block: string): SseMessage | undefined {
  let id: string | undefined;
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon === 0) continue; // a comment
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "id") id = value;
    else if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return undefined;
  return {
    ...(id !== undefined ? { id } : {}),
    ...(event !== undefined ? { event } : {}),
    data: data.join("\n"),
  };
}

/**
 * Reads `body` and calls `onEvent` for each event until it returns true (then the reader is
 * cancelled) or the stream ends. An aborted fetch rejects here with the abort's error.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (m: SseMessage) => boolean | void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    for (const m of parser.push(decoder.decode(value, { stream: true }))) {
      if (onEvent(m) === true) {
        await reader.cancel();
        return;
      }
    }
  }
}
