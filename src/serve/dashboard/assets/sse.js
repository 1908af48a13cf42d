// Server-Sent Events over fetch (EventSource cannot send an Authorization header). On any drop
// it reconnects with Last-Event-ID = the last id seen, so the server replays what was missed.

/**
 * Follows /api/v1/events until stop() is called. onEvent(id, data) gets every event once, in
 * order; onState("live" | "lost", detail) reports the connection.
 */
export function followEvents({ headers, onEvent, onState }) {
  let lastId;
  let stopped = false;
  let ac;
  const loop = async () => {
    let delay = 500;
    while (!stopped) {
      ac = new AbortController();
      try {
        const h = headers();
        if (lastId !== undefined) h["last-event-id"] = String(lastId);
        const res = await fetch("/api/v1/events", { headers: h, signal: ac.signal, cache: "no-store" });
        // 400 to a Last-Event-ID: the server's store does not know it (replaced, or another
        // store). Retrying it would be refused forever; start again from the newest event.
        if (res.status === 400 && lastId !== undefined) lastId = undefined;
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState("live");
        delay = 500;
        await readStream(res.body, (block) => {
          const e = parseBlock(block);
          if (e.id !== undefined) lastId = e.id;
          if (e.data !== undefined) onEvent(e.id, e.data);
        });
        onState("lost", "the stream ended");
      } catch (err) {
        if (stopped) return;
        onState("lost", String(err && err.message ? err.message : err));
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 5000);
    }
  };
  void loop();
  return {
    stop() {
      stopped = true;
      if (ac) ac.abort();
    },
    /** Drops the current connection (the loop reconnects): for the Reconnect button. */
    drop() {
      if (ac) ac.abort();
    },
    get lastId() {
      return lastId;
    },
  };
}

async function readStream(body, onBlock) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      onBlock(buf.slice(0, cut));
      buf = buf.slice(cut + 2);
    }
  }
}

function parseBlock(block) {
  const e = {};
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id" && /^\d+$/.test(value)) e.id = Number(value);
    else if (field === "data") data.push(value);
  }
  if (data.length > 0) {
    try {
      e.data = JSON.parse(data.join("\n"));
    } catch {
      // Not ours: ignored.
    }
  }
  return e;
}
