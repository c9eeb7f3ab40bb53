import type { SchemaDef, TableDef } from './types.js';

/** A model the schema layer refuses: the message names the table, the key or the file to fix. */
export class MetadataError extends Error {}

/**
 * Every foreign key of the models references a table and columns the models declare, and those
 * columns are the table's primary key or exactly the columns of one of its unique constraints or
 * plain unique indexes, in the key's order. Every database refuses anything else — MariaDB with
 * "errno: 150 Foreign key constraint is incorrectly formed" (InnoDB also wants the columns leading
 * an index in that order), PostgreSQL with "there is no unique constraint matching given keys",
 * SQLite at the first write ("foreign key mismatch") — so a model without the unique is refused
 * when the models are loaded: removing a unique that another table's key needs fails autogenerate
 * and `check`, rather than a revision halfway through an upgrade on MySQL.
 */
export function assertForeignKeyTargets(schema: SchemaDef): void {
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  for (const t of schema.tables) {
    for (const fk of t.foreignKeys ?? []) {
      const target = byName.get(fk.references.table);
      if (!target) {
        throw new MetadataError(
          `Foreign key ${fk.name} on '${t.name}' references table '${fk.references.table}', which is not a registered model`,
        );
      }
      for (const c of fk.references.columns) {
        if (!target.columns.some((x) => x.name === c)) {
          throw new MetadataError(
            `Foreign key ${fk.name} references missing column '${fk.references.table}.${c}'`,
          );
        }
      }
      if (!uniqueKeys(target).some((key) => sameColumns(key, fk.references.columns))) {
        throw new MetadataError(
          `Foreign key ${fk.name} on '${t.name}' references '${target.name}' (${fk.references.columns.join(', ')}), which is neither its primary key nor a unique constraint or unique index on exactly those columns in that order: every database refuses such a key; declare the unique on '${target.name}' or reference its primary key`,
        );
      }
    }
  }
}

/** The column lists a foreign key may reference: the primary key, the uniques, the plain unique indexes. */
function uniqueKeys(t: TableDef): string[][] {
  return [
    ...(t.primaryKey ? [t.primaryKey.columns] : []),
    ...(t.uniqueConstraints ?? []).map((u) => u.columns),
    ...(t.indexes ?? [])
      .filter((i) => i.unique && !i.expression && i.where === undefined)
      .map((i) => i.columns),
  ];
}

const sameColumns = (a: string[], b: string[]) => a.length === b.length && a.every((c, i) => c === b[i]);
