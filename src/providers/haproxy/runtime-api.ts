import { connect } from "node:net";
import type { Clock } from "../../core/clock.js";
import { clockTimeout } from "../../core/clock-timeout.js";
import { BackoutError, type ErrorLocation } from "../../core/errors.js";

export interface RuntimeApi {
  /** Absolute path of the stats socket. */
  socket: string;
  timeoutMs: number;
  /** Times `timeoutMs` (the engine's Clock: a ManualClock in tests). */
  clock: Clock;
  signal: AbortSignal;
  where: ErrorLocation;
}

const SOCKET_HINT =
  "Point `socket` at HAProxy's runtime API: add `stats socket <path> mode 600 level admin` to the global section, reload HAProxy, and check that backout's user may open the socket.";

/**
 * Sends one command on its own connection (HAProxy's non-interactive mode: it answers, then
 * closes) and resolves with the answer, without the empty line that ends every response.
 */
export function sendCommand(api: RuntimeApi, command: string): Promise<string> {
  if (api.signal.aborted) {
    return Promise.reject(
      new BackoutError("STEP_CANCELLED", `cancelled before "${command}"`, { where: api.where }),
    );
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const conn = connect(api.socket);
    // Aborts at the deadline or with the caller's signal; timedOut() tells which.
    const budget = clockTimeout(api.clock, api.timeoutMs, api.signal);
    const finish = (err?: BackoutError) => {
      budget.signal.removeEventListener("abort", onAbort);
      budget.dispose();
      conn.destroy();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).toString("utf8").replace(/\n+$/, ""));
    };
    const onAbort = () =>
      finish(
        budget.timedOut()
          ? new BackoutError(
              "PROVIDER_FAILED",
              `HAProxy did not answer "${command}" within ${api.timeoutMs} ms on ${api.socket}`,
              {
                where: api.where,
                retryable: true,
                hint: "Check that HAProxy is running and not overloaded, or raise `timeout`.",
              },
            )
          : new BackoutError("STEP_CANCELLED", `cancelled during "${command}"`, { where: api.where }),
      );
    budget.signal.addEventListener("abort", onAbort, { once: true });
    conn.on("connect", () => conn.end(`${command}\n`));
    conn.on("data", (d: Buffer) => chunks.push(d));
    conn.on("end", () => finish());
    conn.on("error", (e: NodeJS.ErrnoException) => finish(socketError(api, e)));
  });
}

/** Sends a command that answers nothing on success (the `set ...` family); any text is HAProxy's refusal. */
export async function sendSetCommand(api: RuntimeApi, command: string): Promise<void> {
  const answer = (await sendCommand(api, command)).trim();
  if (answer === "") return;
  throw refusal(api, command, answer);
}

/** HAProxy refused a command: permission problems get the admin-level hint; the rest will not fix themselves. */
export function refusal(api: RuntimeApi, command: string, answer: string): BackoutError {
  const firstLine = answer.split("\n")[0] ?? answer;
  if (/permission denied/i.test(answer)) {
    return new BackoutError(
      "PROVIDER_FAILED",
      `HAProxy refused "${command}": permission denied on ${api.socket}`,
      {
        where: api.where,
        hint: "The socket must be an admin-level one: `stats socket <path> mode 600 level admin` in the global section.",
      },
    );
  }
  return new BackoutError("PROVIDER_FAILED", `HAProxy refused "${command}": ${firstLine}`, {
    where: api.where,
    hint: /unknown command/i.test(answer)
      ? "This HAProxy does not know the command; backout needs HAProxy 1.8 or later."
      : "Read HAProxy's answer above; fix the configuration (server names, balance algorithm for weights) and plan again.",
    details: { answer },
  });
}

function socketError(api: RuntimeApi, e: NodeJS.ErrnoException): BackoutError {
  const code = e.code ?? "";
  const what: Record<string, string> = {
    ENOENT: "no socket at",
    ECONNREFUSED: "nothing listens on",
    EACCES: "no permission to open",
    ENOTSOCK: "not a socket:",
  };
  const prefix = what[code] ?? `cannot talk to (${e.message})`;
  return new BackoutError("PROVIDER_FAILED", `HAProxy runtime API: ${prefix} ${api.socket}`, {
    where: api.where,
    cause: e,
    // A refused connection is what a reload or restart in progress looks like.
    retryable: code === "ECONNREFUSED" || code === "ECONNRESET" || code === "EPIPE",
    hint: SOCKET_HINT,
  });
}
