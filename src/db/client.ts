import { type ExtractTablesWithRelations, createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm";
import { DrizzleD1Database, SQLiteD1Session } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";

type Schema = typeof schema;
/** What drizzle(d1, { schema }) returns. */
export type Db = DrizzleD1Database<Schema> & { $client: D1Database };

// What drizzle(d1, { schema, casing }) builds on every call, built once per isolate: the schema's
// relational config (a walk over every table) and the dialect, whose snake_case column-name cache
// then stays warm across requests. Together they were ~10 % of a GET /v2/images/{id}'s CPU when
// rebuilt per request (bench/cpu-profile.mjs). Only the session, which holds the request's D1
// client, is new per call.
const dialect = new SQLiteAsyncDialect({ casing: "snake_case" });
const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
const relational = { fullSchema: schema, schema: tables.tables as ExtractTablesWithRelations<Schema>, tableNamesMap: tables.tableNamesMap };

export const createDb = (d1: D1Database): Db => {
  const session = new SQLiteD1Session<Schema, ExtractTablesWithRelations<Schema>>(d1, dialect, relational, {});
  return Object.assign(new DrizzleD1Database<Schema>("async", dialect, session, relational), { $client: d1 });
};
