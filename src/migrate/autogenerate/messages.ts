import type { ForeignKeyDef, IndexDef } from '../schema/types.js';

// Alembic's `Detected …` wording, kept exactly so that the console reads as Alembic's does.

/** Nested quotes included, as Alembic prints it: `Detected added index 'ix' on '['col']'`. */
export function addedIndexMessage(ix: IndexDef): string {
  return `Detected added index '${ix.name}' on ${columnList(ix.columns)}`;
}

export function columnList(columns: string[]): string {
  return `'[${columns.map((c) => `'${c}'`).join(', ')}]'`;
}

export function fkMessage(what: 'added' | 'removed', table: string, fk: ForeignKeyDef): string {
  return `Detected ${what} foreign key (${fk.columns.join(', ')})(${fk.references.columns.join(', ')}) on table ${table}`;
}

/** Python's spelling, as in Alembic's `unique=True to unique=False`. */
export const pyBool = (b: boolean) => (b ? 'True' : 'False');
export const pyTuple = (cols: string[]) =>
  `(${cols.map((c) => `'${c}'`).join(', ')}${cols.length === 1 ? ',' : ''})`;
