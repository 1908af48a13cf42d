/**
 * Stack traces of the bundled CLI name the TypeScript sources, as Node's own source-map support
 * does, but a chunk's map is read only when a stack is formatted. Node's support parses the map
 * of every chunk as it loads: ~1.3 MB of JSON for `backout status`, about a sixth of its start.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const maps = new Map<string, { map: SourceMap; base: URL } | null>();

function mapOf(file: string): { map: SourceMap; base: URL } | null {
  let found = maps.get(file);
  if (found === undefined) {
    try {
      const path = `${file.startsWith("file:") ? fileURLToPath(file) : file}.map`;
      found = {
        map: new SourceMap(JSON.parse(readFileSync(path, "utf8")) as never),
        base: pathToFileURL(path),
      };
    } catch {
      found = null; // no map (node's own modules, packages): the frame stays as it is
    }
    maps.set(file, found);
  }
  return found;
}

/** One frame as V8 writes it, with the chunk's position replaced by the source's. */
export function mappedFrame(site: NodeJS.CallSite): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a CallSite writes the frame as V8 would
  const text = site.toString();
  const file = site.getFileName();
  const line = site.getLineNumber();
  const column = site.getColumnNumber();
  if (file === undefined || file === null || line === null || column === null) return text;
  const found = mapOf(file);
  const entry = found?.map.findEntry(line - 1, column - 1);
  if (!found || !entry || !("originalSource" in entry)) return text;
  const source = new URL(entry.originalSource, found.base);
  const shown = file.startsWith("file:") ? source.href : fileURLToPath(source);
  return text.replace(
    `${file}:${line}:${column}`,
    `${shown}:${entry.originalLine + 1}:${entry.originalColumn + 1}`,
  );
}

function head(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return "Error";
  }
}

export function mapStackTracesLazily(): void {
  Error.prepareStackTrace = (error, sites) =>
    head(error) + sites.map((site) => `\n    at ${mappedFrame(site)}`).join("");
}
