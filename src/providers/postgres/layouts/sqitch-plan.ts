/**
 * Reads `sqitch.plan` the way App::Sqitch::Plan (1.3) does and computes the SHA-1 change and tag
 * ids Sqitch derives from it (Plan/Change.pm `info`/`id`), so rows backout writes carry the ids
 * `sqitch status` and `sqitch deploy` expect.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { BackoutError } from "../../../core/errors.js";

export interface SqitchDependency {
  type: "require" | "conflict";
  /** Depend->as_string: `change`, `change@tag`, `@tag` or `project:change`. */
  name: string;
  /** The change name it resolves to in this project, when it names one. */
  change: string | undefined;
}

/** What a plan line says of a change or a tag: its id, name, note, and who planned it when. */
interface SqitchPlanned {
  id: string;
  /** A tag's with the `@`, as Sqitch stores it. */
  name: string;
  note: string;
  /** Plan timestamp in Sqitch's raw form, `2024-01-01T12:00:00Z`. */
  timestamp: string;
  plannerName: string;
  plannerEmail: string;
}

export type SqitchTag = SqitchPlanned;

export interface SqitchChange extends SqitchPlanned {
  dependencies: SqitchDependency[];
  tags: SqitchTag[];
  /** Script path below deploy/, revert/, verify/ (`name.sql`, or `name@tag.sql` when reworked). */
  scriptPath: string;
}

export interface SqitchPlan {
  project: string;
  uri: string | undefined;
  changes: SqitchChange[];
}

const NAME = String.raw`[^\s:@#\\!"#$%&'()*+,./;<=>?\[\]^\x60{|}~-](?:[^\s:@#\\]*[^\s:@#\\!"#$%&'()*+,./;<=>?\[\]^\x60{|}~-])?`;
const LINE = new RegExp(
  String.raw`^\s*(?:@|\s*[+-]\s*)?(?<name>${NAME})\s*(?:\[(?<deps>[^\]]+)\]\s*)?` +
    String.raw`(?<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)\s*(?<pname>[^<]+?)\s+<(?<pemail>[^>]+)>$`,
);
const DEP = new RegExp(
  String.raw`^(?<neg>!?)(?:(?<proj>${NAME}):)?(?:(?<id>[0-9a-f]{40})|(?<change>${NAME})?(?:@(?<tag>${NAME}))?)$`,
);

function sha1Id(kind: "change" | "tag", info: string): string {
  const bytes = Buffer.from(info, "utf8");
  return createHash("sha1").update(`${kind} ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Line.pm BUILDARGS: trim, then `\\n`, `\\r`, `\\\\` unescaped. */
function unescapeNote(note: string): string {
  return note.trim().replace(/\\([\\nr])/g, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : "\\"));
}

function parseError(file: string, lineNo: number, what: string): BackoutError {
  return new BackoutError("CONFIG_INVALID", `Syntax error in ${file} at line ${lineNo}: ${what}`, {
    hint: "Fix the plan so `sqitch plan` reads it, then run backout again.",
    where: { file, line: lineNo },
  });
}

export async function readSqitchPlan(dir: string): Promise<SqitchPlan> {
  const file = join(dir, "sqitch.plan");
  const lines = (await readFile(file, "utf8")).split(/\r?\n/);
  const pragmas = new Map<string, string>();
  let i = 0;
  // Header: pragmas up to the first blank line.
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*(#.*)?$/.test(line)) {
      if (!/#/.test(line)) break;
      continue;
    }
    const m = /^\s*%\s*([^=\s]+)\s*=\s*(.*?)\s*(?:#.*)?$/.exec(line);
    if (!m)
      throw parseError(file, i + 1, "Invalid pragma; a blank line must come between pragmas and changes");
    pragmas.set(m[1] ?? "", m[2] ?? "");
  }
  const project = pragmas.get("project");
  if (!project) throw parseError(file, 1, "Missing %project pragma");
  const uri = pragmas.get("uri");
  const head = (kind: string, name: string) => [
    `project ${project}`,
    ...(uri ? [`uri ${uri}`] : []),
    `${kind} ${name}`,
  ];

  const changes: SqitchChange[] = [];
  const reworkTags = new Map<SqitchChange, string[]>();
  for (i++; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    if (/^\s*(#.*)?$/.test(raw)) continue;
    const hash = raw.indexOf("#");
    const note = hash >= 0 ? unescapeNote(raw.slice(hash + 1)) : "";
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trimEnd();
    const m = LINE.exec(body);
    if (!m?.groups) throw parseError(file, i + 1, `cannot read "${body}"`);
    const { name = "", deps, ts = "", pname = "", pemail = "" } = m.groups;
    const planner = `planner ${pname} <${pemail}>`;
    const tail = (extra: string[]) => [planner, `date ${ts}`, ...extra, ...(note ? ["", note] : [])];
    if (/^\s*@/.test(body)) {
      const prev = changes[changes.length - 1];
      if (!prev) throw parseError(file, i + 1, `Tag "${name}" declared without a preceding change`);
      const info = [...head("tag", `@${name}`), `change ${prev.id}`, ...tail([])].join("\n");
      prev.tags.push({
        id: sha1Id("tag", info),
        name: `@${name}`,
        note,
        timestamp: ts,
        plannerName: pname,
        plannerEmail: pemail,
      });
      continue;
    }
    const dependencies: SqitchDependency[] = [];
    for (const d of deps?.trim().split(/\s+/) ?? []) {
      const g = DEP.exec(d)?.groups;
      if (!g || (!g.id && !g.change && !g.tag))
        throw parseError(file, i + 1, `"${d}" is not a valid dependency specification`);
      const key = g.id && !g.change && !g.tag ? g.id : `${g.change ?? ""}${g.tag ? `@${g.tag}` : ""}`;
      const own = !g.proj || g.proj === project;
      dependencies.push({
        type: g.neg ? "conflict" : "require",
        name: own ? key : `${g.proj}:${key}`,
        change: own ? g.change : undefined,
      });
    }
    const reqs = dependencies.filter((d) => d.type === "require").map((d) => d.name);
    const confs = dependencies.filter((d) => d.type === "conflict").map((d) => d.name);
    const parent = changes[changes.length - 1];
    const info = [
      ...head("change", name),
      ...(parent ? [`parent ${parent.id}`] : []),
      ...tail([
        ...(reqs.length ? [`requires\n  + ${reqs.join("\n  + ")}`] : []),
        ...(confs.length ? [`conflicts\n  - ${confs.join("\n  - ")}`] : []),
      ]),
    ].join("\n");
    const change: SqitchChange = {
      id: sha1Id("change", info),
      name,
      note,
      timestamp: ts,
      plannerName: pname,
      plannerEmail: pemail,
      dependencies,
      tags: [],
      scriptPath: `${name}.sql`,
    };
    // A reworked change: the earlier instance's scripts are `name@<tag>.sql` (Change.pm path_segments).
    const earlier = changes.findLast((c) => c.name === name);
    if (earlier) {
      const between = changes.slice(changes.indexOf(earlier) + 1).reverse();
      reworkTags.set(earlier, [
        ...between.flatMap((c) => c.tags.map((t) => t.name)),
        ...earlier.tags.map((t) => t.name),
      ]);
    }
    changes.push(change);
  }
  for (const [change, tags] of reworkTags) {
    const names = tags.map((t) => `${change.name}${t}.sql`);
    change.scriptPath =
      names.find((n) => existsSync(join(dir, "deploy", n))) ?? names[0] ?? change.scriptPath;
  }
  return { project, uri, changes };
}
