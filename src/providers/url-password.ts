/**
 * Takes the password out of a parsed URL, the userinfo's and a `password` query parameter's
 * (libpq and pg read both; replaced by *** in `u`, so `u.toString()` is safe to show), and
 * returns a scrub that removes them from any text, raw and decoded.
 */
export function hidePassword(u: URL): (text: string) => string {
  const query = u.search.replace(/^\?/, "").split("&");
  const fromQuery = query.filter(isPasswordParam).map((p) => p.slice(p.indexOf("=") + 1));
  const forms = [
    u.password,
    safeDecode(u.password),
    ...fromQuery.flatMap((v) => [v, safeDecode(v), new URLSearchParams(`p=${v}`).get("p") ?? ""]),
  ];
  // Longest first, so a password containing another form is replaced whole.
  const secrets = [...new Set(forms)].filter((s) => s !== "").sort((a, b) => b.length - a.length);
  if (u.password !== "") u.password = "***";
  if (fromQuery.length > 0) u.search = query.map((p) => (isPasswordParam(p) ? "password=***" : p)).join("&");
  return (text) => secrets.reduce((t, s) => t.split(s).join("***"), text);
}

/** Whether a query string's `key=value` part is the password (`password=...`, its key decoded). */
export function isPasswordParam(part: string): boolean {
  return safeDecode(part.split("=")[0] ?? "") === "password";
}

/** decodeURIComponent, or the text as it is when it is not valid percent-encoding. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
