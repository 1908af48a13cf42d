/**
 * GET /api/v1/events: every journal event as Server-Sent Events. The event id is the store's
 * feed id (one order over all rollbacks, commit order), so a client that reconnects with
 * Last-Event-ID gets exactly what it missed, whichever process wrote it.
 */
import type { FastifyInstance } from "fastify";
import type { ServerResponse } from "node:http";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { BackoutError } from "../../core/errors.js";
import type { FeedEntry } from "../../store/store.js";
import type { ServeContext } from "../context.js";
import { eventsQuery } from "../schemas.js";
import { STREAM_DRAIN_LIMIT_MS, writeWithin } from "../streams.js";

const KEEPALIVE_MS = 15_000;
const PAGE = 500;

export function eventRoutes(app: FastifyInstance, ctx: ServeContext, open: Set<ServerResponse>): void {
  // One redaction and serialisation per event, shared by every client (the hub hands all of
  // them the same entry objects); per client, 50 watchers made it the server's main cost.
  const frames = new WeakMap<FeedEntry, string>();
  const frame = (e: FeedEntry): string => {
    let text = frames.get(e);
    if (text === undefined) {
      const data = ctx.engine.redactor.redactValue({
        rollbackId: e.rollbackId,
        seq: e.seq,
        at: e.at,
        event: e.event,
      });
      text = `id: ${e.feedId}\nevent: ${e.event.type}\ndata: ${JSON.stringify(data)}\n\n`;
      frames.set(e, text);
    }
    return text;
  };
  app.withTypeProvider<ZodTypeProvider>().get(
    "/events",
    {
      config: { role: "viewer" },
      schema: {
        summary: "Journal events as Server-Sent Events (Last-Event-ID resumes)",
        querystring: eventsQuery,
      },
    },
    async (req, reply) => {
      let cursor = await startAfter(ctx, req.headers["last-event-id"], req.query.after);
      const only = req.query.rollback;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      open.add(res);
      let closed = false;
      res.on("close", () => {
        closed = true;
        open.delete(res);
      });
      const send = async (text: string) => {
        // Ended by the shutdown: nothing more goes out (a write after the end is an error).
        if (res.writableEnded) closed = true;
        if (closed) return;
        if ((await writeWithin(res, text, ctx.engine.clock)) !== "stuck") return;
        req.log.warn(
          { limitMs: STREAM_DRAIN_LIMIT_MS },
          "event stream client took nothing within the limit; dropped (it reconnects with Last-Event-ID)",
        );
        closed = true;
        res.destroy();
      };
      await send(`retry: 1000\n: feed at ${ctx.feed.latest}\n\n`);
      try {
        while (!closed) {
          const entries = await ctx.feed.read(cursor, PAGE);
          // One write per wake-up, not per event: each write is a chunk and a syscall per client.
          let text = "";
          for (const e of entries) {
            cursor = e.feedId;
            if (only !== undefined && e.rollbackId !== only) continue;
            text += frame(e);
          }
          // A filtered stream still moves its id on, so a reconnect does not re-read what it skipped.
          if (entries.length > 0 && only !== undefined) text += `id: ${cursor}\n\n`;
          if (text !== "") await send(text);
          // Only when nothing is left to read: events written while the send waited on a slow
          // client are read at once, not after the keep-alive's wait.
          if (entries.length < PAGE && !closed && ctx.feed.latest <= cursor) {
            const before = ctx.feed.latest;
            await ctx.feed.wait(KEEPALIVE_MS);
            if (ctx.feed.latest === before && !closed) await send(": keep-alive\n\n");
          }
        }
      } catch (e) {
        req.log.warn({ err: e }, "event stream ended");
        res.destroy();
      }
    },
  );
}

/**
 * Where a stream starts: after Last-Event-ID (or ?after=), else at the newest event. An id this
 * server cannot have sent is refused rather than followed: garbage used to start at the newest
 * event and an id past the store's feed (another store, a replaced one) waited silently until
 * the feed grew past it, both dropping events the client believed it would get.
 */
async function startAfter(ctx: ServeContext, header: unknown, after: number | undefined): Promise<number> {
  const given = typeof header === "string" && header !== "" ? header : undefined;
  const hint =
    "Reconnect without Last-Event-ID (or with ?after=0 to read the whole feed) and reload what you show.";
  if (given !== undefined && !(/^\d{1,15}$/.test(given) && Number.isSafeInteger(Number(given)))) {
    throw new BackoutError(
      "USAGE",
      `Last-Event-ID must be an event id this server sent (a whole number), not "${given.slice(0, 40)}"`,
      { where: { field: "headers.last-event-id" }, hint },
    );
  }
  const start = given !== undefined ? Number(given) : after;
  if (start === undefined) return ctx.feed.latest;
  if (start > ctx.feed.latest) {
    // The hub polls; the store itself says whether the id exists yet (another process wrote it).
    const head = (await ctx.engine.store.feedHead?.()) ?? ctx.feed.latest;
    if (start > head) {
      throw new BackoutError(
        "USAGE",
        `event id ${start} is past the end of this store's journal feed (at ${head}): it comes from another store`,
        { where: { field: given !== undefined ? "headers.last-event-id" : "querystring.after" }, hint },
      );
    }
  }
  return start;
}
