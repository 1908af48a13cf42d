/**
 * "host:port" for TCP checks, including bracketed IPv6 ("[::1]:5432"). Shared by the schema
 * (to reject a bad address when the file is loaded) and the check (to connect).
 */
export interface HostPort {
  host: string;
  port: number;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/;

/** The host and port, or undefined when `text` is not "host:port" with a port 1..65535. */
export function parseHostPort(text: string): HostPort | undefined {
  const m = HOST_PORT.exec(text.trim());
  if (!m) return undefined;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}
