/**
 * Tables and columns a script creates before it writes them. An UPDATE of a column added a few
 * statements earlier (the usual "re-add and backfill" down), or a DELETE/UPDATE of a table the
 * script created, overwrites only NULLs or the column's default: nothing a user wrote is lost,
 * so it must not be gated (a gate for nothing trains people to click through).
 */
import { type Json, arr, nodeOf, obj, relation, str } from "./ast.js";
import type { Verdict } from "./rules.js";
import type { DataTarget } from "./types.js";

export class CreatedHere {
  private readonly tables = new Map<string, number>();
  private readonly columns = new Map<string, number>();

  /** Records what `stmt` (at `line`) creates. IF NOT EXISTS creates nothing for sure: not recorded. */
  note(stmt: Json, line: number, schema: string): void {
    const [kind, node] = nodeOf(stmt);
    if (kind === "CreateStmt" && node.if_not_exists !== true) {
      const t = relation(obj(node.relation), schema);
      this.tables.set(`${t.schema}.${t.table}`, line);
    }
    if (kind === "AlterTableStmt" && str(node.objtype) === "OBJECT_TABLE") {
      const t = relation(obj(node.relation), schema);
      for (const c of arr(node.cmds)) {
        const cmd = obj(obj(c).AlterTableCmd);
        if (str(cmd.subtype) !== "AT_AddColumn" || cmd.missing_ok === true) continue;
        const name = str(obj(obj(cmd.def).ColumnDef).colname);
        if (name !== undefined) this.columns.set(`${t.schema}.${t.table}.${name}`, line);
      }
    }
  }

  /** The line that created what `target` writes, when it was created by this script. */
  private createdAt(t: DataTarget): number | undefined {
    const table = this.tables.get(`${t.schema}.${t.table}`);
    if (table !== undefined) return table;
    if (t.column === undefined) return undefined;
    return this.columns.get(`${t.schema}.${t.table}.${t.column}`);
  }

  /**
   * A destructive verdict whose every target was created earlier in the script becomes safe.
   * Opaque verdicts stay opaque: something else in them may reach older data.
   */
  relieve(verdict: Verdict): Verdict {
    if (verdict.class !== "destructive" || verdict.targets.length === 0) return verdict;
    const lines = verdict.targets.map((t) => this.createdAt(t));
    if (lines.some((l) => l === undefined)) return verdict;
    const at = [...new Set(lines)].join(", ");
    return {
      class: "safe",
      reason: `${verdict.reason}, created at line ${at} of this same script: it holds nothing written before the script ran`,
      targets: [],
    };
  }
}
