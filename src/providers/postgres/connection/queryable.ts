import type { QueryResult, QueryResultRow } from "pg";

/** The slice of pg's Client/PoolClient that the postgres provider needs: queries with bind parameters. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}
