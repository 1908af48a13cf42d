/**
 * The dashboard's event follower (assets/sse.js) after the server refuses its Last-Event-ID
 * (400: a store that does not know the id) starts again from the newest event instead of
 * retrying the refused id forever. The browser's fetch is replaced by a recorder here: the
 * server side of the refusal is tested against the real server in attack-input.test.ts.
 */
import { afterEach, expect, it } from "vitest";
// @ts-expect-error: a browser module without types, served as is to the dashboard.
import { followEvents } from "../../src/serve/dashboard/assets/sse.js";
import { until } from "../support/until.js";

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

it("drops a Last-Event-ID the server refused and reconnects without it", async () => {
  const sent: (string | undefined)[] = [];
  globalThis.fetch = (_url: string | URL | Request, init?: RequestInit) => {
    const id = (init?.headers as Record<string, string> | undefined)?.["last-event-id"];
    sent.push(id);
    if (sent.length === 1) return Promise.resolve(new Response('id: 7\ndata: {"n":7}\n\n'));
    if (id !== undefined) return Promise.resolve(new Response("refused", { status: 400 }));
    return new Promise<Response>(() => undefined);
  };
  const follower = (
    followEvents as (o: {
      headers: () => Record<string, string>;
      onEvent: () => void;
      onState: () => void;
    }) => { stop: () => void }
  )({ headers: () => ({}), onEvent: () => undefined, onState: () => undefined });
  try {
    await until("a third connection", () => sent.length >= 3, 20_000);
  } finally {
    follower.stop();
  }
  expect(sent.slice(0, 3)).toEqual([undefined, "7", undefined]);
});
