/** Where to listen, and the rule that plain HTTP stays on loopback unless asked otherwise. */
import { isIP } from "node:net";
import { BackoutError } from "../core/errors.js";

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!m || host === undefined || !(port >= 0 && port <= 65535)) {
    throw new BackoutError("USAGE", `--listen ${text}: expected HOST:PORT`, {
      hint: "For example 127.0.0.1:8080, or [::1]:8080.",
    });
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/** Plain HTTP would send bearer tokens in clear text: only on loopback, or when explicitly allowed. */
export function assertSafeListen(addr: ListenAddress, tls: boolean, insecure: boolean): void {
  if (tls || insecure || isLoopback(addr.host)) return;
  throw new BackoutError(
    "USAGE",
    `refusing plain HTTP on ${addr.host}: bearer tokens would cross the network in clear text`,
    {
      where: { field: "serve.tls" },
      hint: "Configure serve.tls (cert, key), listen on 127.0.0.1 behind a TLS proxy, or pass --insecure-listen.",
    },
  );
}
