/**
 * `build`'s value, made on the first call and kept: for what most runs never need, such as
 * the settings schema of a provider kind no component uses (zod schemas cost to build, and
 * every command's start pays for what it builds).
 */
export function lazily<T>(build: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: build() }).value;
}
