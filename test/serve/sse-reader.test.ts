import { describe, expect, it } from "vitest";
import { readSse, SseParser } from "../../src/serve/sse-reader.js";

/** A stream that hands out the given chunks one read at a time and records its cancellation. */
function chunked(chunks: Uint8Array[]) {
  let cancelled = false;
  let reads = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      const next = chunks[reads++];
      if (next) c.enqueue(next);
      else c.close();
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled, reads: () => reads };
}

describe("SSE reader", () => {
  it("joins events split across chunks, even inside a multi-byte character", async () => {
    const bytes = new TextEncoder().encode('id: 1\nevent: started\ndata: {"x":"é"}\n\nid: 2\ndata: b\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of "é"
    const s = chunked([bytes.slice(0, 5), bytes.slice(5, cut), bytes.slice(cut)]);
    const seen: unknown[] = [];
    await readSse(s.body, (m) => void seen.push(m));
    expect(seen).toEqual([
      { id: "1", event: "started", data: '{"x":"é"}' },
      { id: "2", data: "b" },
    ]);
  });

  it("dispatches only blocks with data: comments, keep-alives and a bare id are not events", () => {
    const p = new SseParser();
    expect(p.push("retry: 1000\n: feed at 7\n\n: keep-alive\n\nid: 9\n\n")).toEqual([]);
    expect(p.push("data: a\ndata:b\n\n")).toEqual([{ data: "a\nb" }]);
  });

  it("stops at the event the callback says is enough, cancels the stream and reads no further", async () => {
    const enc = new TextEncoder();
    const s = chunked([enc.encode("data: 1\n\ndata: 2\n\ndata: 3\n\n"), enc.encode("data: 4\n\n")]);
    const seen: string[] = [];
    await readSse(s.body, (m) => {
      seen.push(m.data);
      return seen.length === 2;
    });
    expect(seen).toEqual(["1", "2"]);
    expect(s.cancelled()).toBe(true);
    expect(s.reads()).toBe(1);
  });
});
