/**
 * Webhook URLs and signing secrets are credentials (a Slack incoming-webhook URL is one by
 * itself), so results and errors only ever show a URL's origin with its path masked.
 */

/** "https://hooks.slack.com/***": enough to tell channels apart, nothing to replay. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const hasPath = url.pathname !== "/" || url.search !== "" || url.hash !== "";
    // URL.origin leaves out user:password@ (a credential too); any path segment may be a token.
    return hasPath ? `${url.origin}/***` : url.origin;
  } catch {
    return "(invalid URL)";
  }
}

/** The strings that must never leave this module for a channel: its URL in every spelling, its secret. */
export function secretsOf(url: string, secret?: string): string[] {
  const out = [url];
  try {
    const parsed = new URL(url);
    out.push(parsed.href, `${parsed.pathname}${parsed.search}`, parsed.pathname, parsed.search);
    if (parsed.password) out.push(parsed.password);
  } catch {
    // An invalid URL never reaches fetch's error text in a parsed form; the raw form is enough.
  }
  if (secret !== undefined) out.push(secret, secret.replace(/^whsec_/, ""));
  // Short fragments ("/", "") would mangle ordinary text; longest first so a whole URL goes at once.
  return [...new Set(out)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** Replaces every secret of the channel with "***", then applies the process-wide redactor. */
export function scrub(text: string, secrets: readonly string[], redact: (t: string) => string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join("***");
  return redact(out);
}
