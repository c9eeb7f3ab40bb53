import type { Kysely } from 'kysely';
import type { TableDef } from '../schema/types.js';

/**
 * Reads a live schema into the portable vocabulary with a fixed number of catalogue queries, not
 * one per table. `tables` narrows the result (the runtime reads one table before a rebuild).
 */
export interface Introspector {
  getTables(db: Kysely<any>, options?: { tables?: string[] }): Promise<TableDef[]>;
}
