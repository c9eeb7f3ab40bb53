import type { CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef, UniqueDef } from '../schema/types.js';

/**
 * The comparator's output, as plain data: Alembic's `MigrateOperation` objects. One list drives
 * everything downstream — the `Detected …` log lines, the revision file's text, `check`'s report —
 * and the downgrade is the same list inverted and reversed (Alembic's `reverse_into`).
 *
 * Each op carries the full definition of what it adds or removes (the model's, or the database's
 * for removals), so its inverse can be written without another look at either side.
 */
export type DiffOp =
  /** A table with its indexes: created together, dropped together (DROP TABLE takes the indexes). */
  /** `catalogueSpelling`: a removed table's checks kept as the catalogue spells them (restored-checks.ts). */
  | { kind: 'add_table'; table: TableDef; catalogueSpelling?: boolean }
  | { kind: 'remove_table'; table: TableDef; catalogueSpelling?: boolean }
  | { kind: 'add_column'; table: string; column: ColumnDef }
  | { kind: 'remove_column'; table: string; column: ColumnDef }
  | AlterColumnOp
  | { kind: 'add_index'; table: string; index: IndexDef }
  | {
      kind: 'remove_index';
      table: string;
      index: IndexDef;
      /** Set when a foreign key that stays may need this index (MySQL refuses to drop it then). */
      neededBy?: string;
    }
  | { kind: 'add_unique'; table: string; unique: UniqueDef }
  | {
      kind: 'remove_unique';
      table: string;
      unique: UniqueDef;
      /** As for remove_index: MySQL's unique constraint is an index a foreign key may need. */
      neededBy?: string;
    }
  | { kind: 'add_fk'; table: string; fk: ForeignKeyDef }
  | { kind: 'remove_fk'; table: string; fk: ForeignKeyDef }
  /** `catalogueSpelling`: a removed check kept as the catalogue spells it (restored-checks.ts). */
  | { kind: 'add_check'; table: string; check: CheckDef; catalogueSpelling?: boolean }
  | { kind: 'remove_check'; table: string; check: CheckDef; catalogueSpelling?: boolean }
  | ChangeCheckOp;

/**
 * A CHECK constraint of the same name whose expression changed: dropped and created again (no
 * database alters one in place). `from` is the database's, `to` the models'.
 */
export interface ChangeCheckOp {
  kind: 'change_check';
  table: string;
  from: CheckDef;
  to: CheckDef;
  /** When both are lists of values for one column (`oneOf`): what `to` allows that `from` did not, and the reverse. */
  values?: { added: string[]; removed: string[] };
  /** The database's expression is kept as its catalogue spells it (no portable spelling was certain). */
  catalogueSpelling?: boolean;
}

/** One column's type, nullability, server default and/or collation changed: one `op.alterColumn`. */
export interface AlterColumnOp {
  kind: 'alter_column';
  table: string;
  /** The column as it is before the op (filled into `existing:` so MySQL's MODIFY is complete). */
  from: ColumnDef;
  /** The column as it is after the op. */
  to: ColumnDef;
  /** `collation` is set when this database's collation changed (`from`/`to` name it for this dialect). */
  changes: { type: boolean; nullable: boolean; default: boolean; collation?: boolean };
}

export type DiffKind = DiffOp['kind'];

/** The op that undoes `op`. */
export function invert(op: DiffOp): DiffOp {
  switch (op.kind) {
    case 'add_table':
      return { ...op, kind: 'remove_table' };
    case 'remove_table':
      return { ...op, kind: 'add_table' };
    case 'add_column':
      return { kind: 'remove_column', table: op.table, column: op.column };
    case 'remove_column':
      return { kind: 'add_column', table: op.table, column: op.column };
    case 'alter_column':
      return { ...op, from: op.to, to: op.from };
    case 'add_index':
      return { kind: 'remove_index', table: op.table, index: op.index };
    case 'remove_index':
      return { kind: 'add_index', table: op.table, index: op.index };
    case 'add_unique':
      return { kind: 'remove_unique', table: op.table, unique: op.unique };
    case 'remove_unique':
      return { kind: 'add_unique', table: op.table, unique: op.unique };
    case 'add_fk':
      return { kind: 'remove_fk', table: op.table, fk: op.fk };
    case 'remove_fk':
      return { kind: 'add_fk', table: op.table, fk: op.fk };
    case 'add_check':
      return { ...op, kind: 'remove_check' };
    case 'remove_check':
      return { ...op, kind: 'add_check' };
    case 'change_check': {
      const inverse: ChangeCheckOp = { ...op, from: op.to, to: op.from };
      if (op.values) inverse.values = { added: op.values.removed, removed: op.values.added };
      return inverse;
    }
  }
}

/** The downgrade of an upgrade: every op inverted, in reverse order. */
export function reverseOps(ops: readonly DiffOp[]): DiffOp[] {
  return ops.map(invert).reverse();
}

/** The table an op works on. */
export function tableOf(op: DiffOp): string {
  return op.kind === 'add_table' || op.kind === 'remove_table' ? op.table.name : op.table;
}
