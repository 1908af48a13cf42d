import { type Server, stateFromAdmin } from "./server-state.js";

/** One server line of `show servers state` (also the server-state file format). */
export interface StateRow extends Server {
  backend: string;
  server: string;
}

const NEEDED = ["be_name", "srv_name", "srv_admin_state", "srv_uweight"] as const;

/**
 * Parses `show servers state` output: a format version line ("1"), a `# be_id be_name ...`
 * header naming the columns, then one space-separated line per server. Columns are looked
 * up by name, so versions that append columns still parse. Undefined when it is not a dump.
 */
export function parseStateDump(text: string): StateRow[] | undefined {
  const lines = text.split("\n");
  const headerAt = lines.findIndex((l) => l.startsWith("# "));
  if (headerAt < 0) return undefined;
  const columns = (lines[headerAt] ?? "").slice(2).trim().split(/\s+/);
  const index = NEEDED.map((c) => columns.indexOf(c));
  if (index.some((i) => i < 0)) return undefined;
  const [be, srv, admin, weight] = index as [number, number, number, number];
  const rows: StateRow[] = [];
  for (const line of lines.slice(headerAt + 1)) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const f = line.trim().split(/\s+/);
    const adminState = Number(f[admin]);
    const uweight = Number(f[weight]);
    const backend = f[be];
    const server = f[srv];
    if (
      backend === undefined ||
      server === undefined ||
      !Number.isInteger(adminState) ||
      !Number.isInteger(uweight)
    ) {
      return undefined;
    }
    rows.push({ backend, server, state: stateFromAdmin(adminState), weight: uweight });
  }
  return rows;
}
