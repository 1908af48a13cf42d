/**
 * Catalog look-ups for what a write sets off beyond its own table: user triggers (pg_trigger),
 * rules (pg_rewrite) and foreign keys with an action (pg_constraint). Each covers the table and
 * every partition or inheritance child (a write through the parent reaches them). Names travel
 * as bind values.
 */
import type { Queryable } from "../connection/queryable.js";
import type { RowEvent } from "./fired.js";

/** The relation and all its descendants (partitions, inheritance children); [] when it does not exist. */
export async function withDescendants(db: Queryable, schema: string, table: string): Promise<number[]> {
  const { rows } = await db.query<{ oid: number }>(
    `WITH RECURSIVE rel(oid) AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
       UNION SELECT i.inhrelid FROM pg_inherits i JOIN rel ON i.inhparent = rel.oid)
     SELECT oid::int AS oid FROM rel`,
    [schema, table],
  );
  return rows.map((r) => r.oid);
}

export interface TriggerHit {
  name: string;
  schema: string;
  table: string;
  func: string;
}

// pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h).
const TRIGGER_BIT: Record<RowEvent, number> = { insert: 4, delete: 8, update: 16, truncate: 32 };

/** Enabled, user-defined (non-internal) triggers that fire on `event` (any timing, row or statement). */
export async function triggersOn(db: Queryable, oids: number[], event: RowEvent): Promise<TriggerHit[]> {
  const { rows } = await db.query<TriggerHit>(
    `SELECT DISTINCT ON (t.tgname) t.tgname AS name, n.nspname AS schema, c.relname AS table,
            fn.nspname || '.' || p.proname AS func
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = t.tgfoid
       JOIN pg_namespace fn ON fn.oid = p.pronamespace
      WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal AND t.tgenabled <> 'D'
        AND (t.tgtype::int & $2::int) <> 0
      ORDER BY t.tgname, t.tgparentid <> 0, c.relname`,
    [oids, TRIGGER_BIT[event]],
  );
  return rows;
}

export interface RuleHit {
  name: string;
  schema: string;
  table: string;
  instead: boolean;
}

// pg_rewrite.ev_type: '1' select, '2' update, '3' insert, '4' delete; TRUNCATE fires no rule.
const RULE_EVENT: Partial<Record<RowEvent, string>> = { update: "2", insert: "3", delete: "4" };

export async function rulesOn(db: Queryable, oids: number[], event: RowEvent): Promise<RuleHit[]> {
  const type = RULE_EVENT[event];
  if (type === undefined) return [];
  const { rows } = await db.query<RuleHit>(
    `SELECT r.rulename AS name, n.nspname AS schema, c.relname AS table, r.is_instead AS instead
       FROM pg_rewrite r
       JOIN pg_class c ON c.oid = r.ev_class
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE r.ev_class = ANY($1::oid[]) AND r.rulename <> '_RETURN' AND r.ev_enabled <> 'D'
        AND r.ev_type = $2
      ORDER BY r.rulename`,
    [oids, type],
  );
  return rows;
}

export interface ForeignKeyHit {
  oid: number;
  name: string;
  /** The referencing table (a partitioned parent rather than each partition). */
  schema: string;
  table: string;
  columns: string[];
  /** The referenced table and its key columns, in the same order. */
  refSchema: string;
  refTable: string;
  refColumns: string[];
  /** 'a' no action, 'r' restrict, 'c' cascade, 'n' set null, 'd' set default. */
  onDelete: string;
  onUpdate: string;
}

/** Foreign keys referencing the relations, one per constraint and referencing table. */
export async function foreignKeysTo(db: Queryable, oids: number[]): Promise<ForeignKeyHit[]> {
  const { rows } = await db.query<ForeignKeyHit>(
    `SELECT DISTINCT ON (con.conrelid, con.conname)
            con.oid::int AS oid, con.conname AS name, cn.nspname AS schema, cc.relname AS table,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
            rn.nspname AS "refSchema", rc.relname AS "refTable",
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS "refColumns",
            con.confdeltype AS "onDelete", con.confupdtype AS "onUpdate"
       FROM pg_constraint con
       JOIN pg_class cc ON cc.oid = con.conrelid
       JOIN pg_namespace cn ON cn.oid = cc.relnamespace
       JOIN pg_class rc ON rc.oid = con.confrelid
       JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE con.contype = 'f' AND con.confrelid = ANY($1::oid[]) AND NOT cc.relispartition
      ORDER BY con.conrelid, con.conname, rc.relispartition`,
    [oids],
  );
  return rows;
}

export interface EventTriggerHit {
  name: string;
  event: string;
  tags: string[] | null;
}

/** Enabled event triggers of the database: any DDL statement may fire them. */
export async function eventTriggers(db: Queryable): Promise<EventTriggerHit[]> {
  const { rows } = await db.query<EventTriggerHit>(
    `SELECT evtname AS name, evtevent AS event, evttags::text[] AS tags
       FROM pg_event_trigger WHERE evtenabled <> 'D' ORDER BY evtname`,
  );
  return rows;
}
