/**
 * The server's event streams (GET /api/v1/events) and the clients that stop reading them. A
 * client that reads nothing would otherwise keep its stream's last write, and its connection,
 * forever: during normal operation it is dropped after STREAM_DRAIN_LIMIT_MS (it reconnects
 * with Last-Event-ID, as browsers do), and at shutdown it gets SHUTDOWN_GRACE_MS.
 */
import type { ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import type { Clock } from "../core/clock.js";

/** How long shutdown waits for ended event streams to reach their clients before closing them. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** How long one event stream may wait for its client to take what was written before it is dropped. */
export const STREAM_DRAIN_LIMIT_MS = 60_000;

/** The writable side of a stream: a ServerResponse, or any Writable in tests. */
export type StreamOut = Pick<Writable, "write" | "once" | "off" | "destroyed">;

/**
 * Writes `text`; when the client is behind, waits until it has taken it (drain), the stream
 * closed, or `limitMs` passed: "stuck" then, and the caller drops the client.
 */
export async function writeWithin(
  out: StreamOut,
  text: string,
  clock: Clock,
  limitMs: number = STREAM_DRAIN_LIMIT_MS,
): Promise<"written" | "closed" | "stuck"> {
  if (out.write(text)) return "written";
  if (out.destroyed) return "closed";
  const stop = new AbortController();
  let onDrain = (): void => undefined;
  let onClose = (): void => undefined;
  const moved = new Promise<"written" | "closed">((resolve) => {
    onDrain = () => resolve("written");
    onClose = () => resolve("closed");
    out.once("drain", onDrain);
    out.once("close", onClose);
  });
  try {
    return await Promise.race([moved, clock.sleep(limitMs, stop.signal).then(() => "stuck" as const)]);
  } finally {
    stop.abort();
    out.off("drain", onDrain);
    out.off("close", onClose);
  }
}

/**
 * Ends every stream and closes its connection once what it was sent has been handed to the
 * kernel (which delivers it, then a FIN); after `graceMs`, destroys the connections whose client
 * still has not taken it, telling `onStuck` first. Resolves when every connection is closed.
 */
export async function endStreams(
  streams: Iterable<ServerResponse>,
  clock: Clock,
  onStuck: (res: ServerResponse) => void,
  graceMs: number = SHUTDOWN_GRACE_MS,
): Promise<void> {
  // The socket is taken now: a finished response is detached from it.
  const all = [...streams].map((res) => ({ res, socket: res.socket }));
  const closed = all.map(
    ({ res, socket }) =>
      new Promise<void>((resolve) => {
        if (!socket || socket.destroyed) return resolve();
        socket.once("close", () => resolve());
        res.end(() => socket.destroy());
      }),
  );
  const stop = new AbortController();
  const ended = await Promise.race([
    Promise.all(closed).then(() => true),
    clock.sleep(graceMs, stop.signal).then(() => false),
  ]);
  stop.abort();
  if (ended) return;
  for (const { res, socket } of all) {
    if (!socket || socket.destroyed) continue;
    onStuck(res);
    socket.destroy();
  }
  await Promise.all(closed);
}
