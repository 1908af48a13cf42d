/**
 * Who Sqitch names as committer, found the way Sqitch 1.3 finds it (App/Sqitch.pm user_name and
 * user_email, App/Sqitch/Config.pm): SQITCH_FULLNAME / SQITCH_EMAIL, else `user.name` /
 * `user.email` from its configuration files (system, then user, then the project's own, the
 * later winning), else SQITCH_ORIG_FULLNAME / SQITCH_ORIG_EMAIL, else the system user (full name
 * from the password database; email `<user>@<host>`). Sqitch does not read git's configuration.
 */
import { readFile } from "node:fs/promises";
import { hostname, userInfo } from "node:os";
import { join } from "node:path";

export interface Committer {
  name: string;
  email: string;
}

type Env = Record<string, string | undefined>;

/** `user.name` and `user.email` of one git-config-style file ({} when it is missing). */
export function parseSqitchUser(text: string): { name?: string; email?: string } {
  const out: { name?: string; email?: string } = {};
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[\s*([^\]\s"]+)\s*(?:"[^"]*")?\s*\]/.exec(line);
    if (head) {
      // `[user "x"]` is a subsection, not `user`.
      section = line.includes('"') ? "" : (head[1] ?? "").toLowerCase();
      continue;
    }
    const kv = /^([A-Za-z][\w-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (section !== "user" || !kv) continue;
    const key = (kv[1] ?? "").toLowerCase();
    if (key !== "name" && key !== "email") continue;
    out[key] = configValue(kv[2] ?? "");
  }
  return out;
}

/** A git-config value: quotes removed, `\"` `\\` `\t` `\n` unescaped, a trailing comment dropped. */
function configValue(text: string): string {
  let out = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "\\") {
      const n = text[++i] ?? "";
      out += n === "t" ? "\t" : n === "n" ? "\n" : n;
    } else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "#" || c === ";")) break;
    else out += c;
  }
  return out.trim();
}

async function readUser(file: string): Promise<{ name?: string; email?: string }> {
  try {
    return parseSqitchUser(await readFile(file, "utf8"));
  } catch {
    return {};
  }
}

/** The GECOS full name of `user` (first comma-separated field), when the password file has one. */
async function fullName(user: string): Promise<string | undefined> {
  try {
    const line = (await readFile("/etc/passwd", "utf8")).split("\n").find((l) => l.startsWith(`${user}:`));
    const gecos = line?.split(":")[4]?.split(",")[0]?.trim();
    return gecos === "" ? undefined : gecos;
  } catch {
    return undefined;
  }
}

/** Sqitch's committer for a project in `projectDir`, with `env` as Sqitch's environment. */
export async function sqitchCommitter(projectDir: string, env: Env): Promise<Committer> {
  const home = env.HOME ?? userInfo().homedir;
  const files = [
    env.SQITCH_SYSTEM_CONFIG ?? "/etc/sqitch/sqitch.conf",
    env.SQITCH_USER_CONFIG ?? join(home, ".sqitch", "sqitch.conf"),
    env.SQITCH_CONFIG ?? join(projectDir, "sqitch.conf"),
  ];
  const config: { name?: string; email?: string } = {};
  for (const f of files) Object.assign(config, await readUser(f));
  const nonEmpty = (...v: (string | undefined)[]): string | undefined =>
    v.find((x) => x !== undefined && x !== "");
  const sysuser = nonEmpty(env.SQITCH_ORIG_SYSUSER, userInfo().username, env.LOGNAME, env.USER) ?? "backout";
  return {
    name:
      nonEmpty(env.SQITCH_FULLNAME, config.name, env.SQITCH_ORIG_FULLNAME) ??
      (await fullName(sysuser)) ??
      sysuser,
    email: nonEmpty(env.SQITCH_EMAIL, config.email, env.SQITCH_ORIG_EMAIL) ?? `${sysuser}@${hostname()}`,
  };
}
