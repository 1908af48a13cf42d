/**
 * One attempt of a TCP check: open a connection and close it at once. Refused or timed out
 * fails (nothing healthy listens there); a host name that does not resolve is an "error".
 */
import { connect } from "node:net";
import { formatDuration } from "../config/durations.js";
import type { ProbeTry } from "../core/probe-retry.js";
import { parseHostPort } from "./host-port.js";
import type { Verdict } from "./options.js";
import type { TcpCheckSpec } from "./schema.js";
import { describeNetError } from "./net-errors.js";

/** `t.signal` aborts at the check's timeout (on the clock) or on cancel; either ends the socket. */
export function tcpAttempt(spec: TcpCheckSpec, t: ProbeTry): Promise<Verdict> {
  const address = parseHostPort(spec.tcp);
  if (address === undefined) {
    return Promise.resolve({
      status: "error",
      detail: `"${spec.tcp}" is not host:port; write it like "db.internal:5432"`,
    });
  }
  const started = performance.now();
  return new Promise<Verdict>((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const finish = (verdict: Verdict) => {
      t.signal.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(verdict);
    };
    const onAbort = () =>
      finish(
        t.timedOut()
          ? {
              status: "fail",
              detail: `no connection within ${formatDuration(spec.timeout)} (timeout); a firewall drops the packets or the host is down`,
            }
          : { status: "error", detail: "cancelled before the connection opened" },
      );
    if (t.signal.aborted) return onAbort();
    t.signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      const ms = Math.round(performance.now() - started);
      finish({ status: "pass", value: ms, detail: `connected in ${ms}ms` });
    });
    socket.once("error", (e) => {
      const net = describeNetError(e);
      finish(
        net.unjudgeable
          ? { status: "error", detail: `cannot connect: ${net.phrase}; check the host in "${spec.tcp}"` }
          : { status: "fail", detail: `cannot connect: ${net.phrase}` },
      );
    });
  });
}
