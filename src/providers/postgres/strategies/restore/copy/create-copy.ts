/**
 * Creates the empty database the snapshot is restored into, shaped like the live one: owner,
 * encoding, locale, per-database settings and privileges. pg_restore without --create restores
 * none of these, and after the swap the restored database is what the application connects to.
 */
import { quoteIdent } from "../../../sql/quote.js";
import type { Admin } from "./admin.js";
import { internal, unexpectedReply } from "../../../errors.js";

interface Shape {
  owner: string;
  encoding: string;
  collate: string;
  ctype: string;
  connLimit: number;
  hasAcl: boolean;
}

interface Grant {
  grantee: string | null;
  privilege: string;
  grantable: boolean;
}

export async function createLike(admin: Admin, live: string, name: string): Promise<void> {
  const db = admin.client;
  const { rows } = await db.query<Shape>(
    `SELECT pg_get_userbyid(datdba) AS owner, pg_encoding_to_char(encoding) AS encoding,
            datcollate AS collate, datctype AS ctype, datconnlimit AS "connLimit", datacl IS NOT NULL AS "hasAcl"
       FROM pg_database WHERE datname = $1`,
    [live],
  );
  const shape = rows[0];
  if (!shape) throw unexpectedReply(`database ${live} does not exist`);
  const q = quoteIdent(name);
  // template0: a copy of template1 could carry objects the dump creates again.
  await db.query(
    `CREATE DATABASE ${q} OWNER ${quoteIdent(shape.owner)} TEMPLATE template0 ENCODING '${literal(shape.encoding)}'
       LC_COLLATE '${literal(shape.collate)}' LC_CTYPE '${literal(shape.ctype)}' CONNECTION LIMIT ${Number(shape.connLimit)}`,
  );
  const settings = await db.query<{ setting: string }>(
    `SELECT unnest(s.setconfig) AS setting FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
      WHERE d.datname = $1 AND s.setrole = 0`,
    [live],
  );
  for (const { setting } of settings.rows) {
    const eq = setting.indexOf("=");
    await db.query(
      `ALTER DATABASE ${q} SET ${quoteIdent(setting.slice(0, eq))} = '${literal(setting.slice(eq + 1))}'`,
    );
  }
  if (!shape.hasAcl) return;
  await db.query(`REVOKE ALL ON DATABASE ${q} FROM PUBLIC`);
  const grants = await db.query<Grant>(
    `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = $1 AND a.grantee <> d.datdba`,
    [live],
  );
  for (const g of grants.rows) {
    const who = g.grantee === null ? "PUBLIC" : quoteIdent(g.grantee);
    await db.query(
      `GRANT ${g.privilege.replace(/[^A-Z]/g, "")} ON DATABASE ${q} TO ${who}${g.grantable ? " WITH GRANT OPTION" : ""}`,
    );
  }
}

/** A string literal's body: CREATE/ALTER DATABASE take no bind parameters. */
export function literal(text: string): string {
  if (text.includes("\u0000")) throw internal("literal contains a NUL byte");
  return text.replace(/'/g, "''");
}
