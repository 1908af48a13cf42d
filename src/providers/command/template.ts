export const TARGET_PLACEHOLDER = "{{target}}";

/**
 * Replaces `{{target}}` inside each argument. The result stays one argument whatever the
 * version contains (spaces, quotes, `;`), and split/join avoids String.replace's `$&` patterns.
 */
export function fillTarget(argv: readonly string[], target: string): string[] {
  return argv.map((arg) => arg.split(TARGET_PLACEHOLDER).join(target));
}
