/**
 * fetch refuses URLs with credentials ("http://user:pass@host/"), yet that is how people
 * write basic auth in a config file. Split them into an Authorization header, and show the
 * URL without them.
 */
export interface RequestParts {
  url: string;
  headers: Record<string, string>;
  /** For names and details: the credentials replaced by "***". */
  shown: string;
}

export function requestParts(raw: string): RequestParts {
  const url = new URL(raw);
  const headers: Record<string, string> = {};
  let shown = url.toString();
  if (url.username !== "" || url.password !== "") {
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    url.username = "";
    url.password = "";
    shown = url.toString().replace("://", "://***@");
  }
  return { url: url.toString(), headers, shown };
}

/** `base` + "api/v1/query", keeping a path prefix such as http://host/prometheus/. */
export function joinPath(base: string, path: string): string {
  const url = new URL(base);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return new URL(path, url).toString();
}
