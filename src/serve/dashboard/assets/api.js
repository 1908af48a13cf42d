// Calls to /api/v1 with the bearer token kept in this tab's sessionStorage (never in a URL).
const KEY = "backout.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An API refusal in the CLI's error shape: code, message, hint. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || `HTTP_${status}`;
    this.hint = e.hint || "";
  }
  toString() {
    return `${this.code}: ${this.message}${this.hint ? ` (${this.hint})` : ""}`;
  }
}

export function authHeaders(extra = {}) {
  return { authorization: `Bearer ${token.get() || ""}`, ...extra };
}

/** JSON in, JSON out; a non-2xx answer throws ApiError. `raw: true` returns the text. */
export async function api(method, path, { body, raw } = {}) {
  const headers = authHeaders(body === undefined ? {} : { "content-type": "application/json" });
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    cache: "no-store",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, json);
  return raw ? text : json;
}
