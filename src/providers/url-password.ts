/**
 * Takes the password out of a parsed URL (replaced by *** in `u`, so `u.toString()` is safe to
 * show) and returns a scrub that removes it from any text, raw and percent-decoded.
 */
export function hidePassword(u: URL): (text: string) => string {
  const encoded = u.password;
  // Longest first, so a password containing the other form is replaced whole.
  const secrets = [encoded, safeDecode(encoded)].filter((s) => s !== "").sort((a, b) => b.length - a.length);
  if (encoded !== "") u.password = "***";
  return (text) => secrets.reduce((t, s) => t.split(s).join("***"), text);
}

/** decodeURIComponent, or the text as it is when it is not valid percent-encoding. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
