import type { Db } from './database.ts';
import { Dialect } from './sql/index.ts';

/**
 * Many rows of a few columns, read as one JSON text the database builds
 * (an array of arrays, in `orderBy` order) and parsed once. For the reads
 * of every live instance (10,000 rows at 1,000 services, every second and
 * at each list): better-sqlite3 builds an object per row and a value per
 * column, which cost 2-3× the CPU of JSON.parse over the same rows, and on
 * PostgreSQL one text crosses from the worker thread instead of 10,000 rows.
 * `columns` and `from` are SQL written by the caller; values go in `params`.
 */
export function jsonRows(db: Db, columns: readonly string[], from: string, orderBy?: string, params: readonly unknown[] = []): unknown[][] {
  const order = orderBy ? ` ORDER BY ${orderBy}` : '';
  const sql =
    db.dialect === Dialect.Postgres
      ? `SELECT COALESCE(json_agg(json_build_array(${columns.join(', ')})${order})::text, '[]') AS json_rows ${from}`
      : `SELECT json_group_array(json_array(${columns.join(', ')})${order}) AS json_rows ${from}`;
  return JSON.parse((db.prepare(sql).get(...params) as { json_rows: string }).json_rows) as unknown[][];
}
