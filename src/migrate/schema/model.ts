import { fileURLToPath } from 'node:url';
import type { ColumnType } from 'kysely';
import { sqlName } from '../introspect/check-expr/print.js';
import { validateCollation } from './collation.js';
import { constraintName } from './naming.js';
import type {
  CheckDef,
  Collation,
  ColumnDef,
  ColumnTypeName,
  ForeignKeyDef,
  IndexDef,
  ReferentialAction,
  ServerDefault,
  TableDef,
  UniqueDef,
} from './types.js';

/**
 * The model DSL. One declaration per table yields both the metadata the migration engine reads
 * (`Model.table`) and, by type inference, the row types Kysely checks queries against
 * (`InferDatabase<typeof models>`): there is no second, hand-written interface to drift.
 *
 * Columns are NOT NULL unless `.nullable()` is called: the safe default.
 */

interface ColumnState {
  type: ColumnTypeName;
  nullable: boolean;
  default?: ServerDefault;
  autoIncrement: boolean;
  primaryKey: boolean;
  unique: boolean | string;
  index: boolean | string;
  references?: { table: string; column: string; onDelete?: ReferentialAction; onUpdate?: ReferentialAction };
  oneOf?: readonly string[];
  collation?: Collation;
}

/**
 * A column under construction. The type parameters carry, for inference only: the TypeScript value
 * type, whether it is nullable, and whether inserts may omit it (default or auto-increment).
 */
export class Column<T, Nullable extends boolean = false, Optional extends boolean = false> {
  declare readonly __value: T;
  declare readonly __nullable: Nullable;
  declare readonly __optional: Optional;

  constructor(readonly state: ColumnState) {}

  private with<R>(patch: Partial<ColumnState>): R {
    return new Column({ ...this.state, ...patch }) as R;
  }

  nullable(): Column<T, true, true> {
    return this.with({ nullable: true });
  }
  /** Server default: a literal, or `{ expr: 'current_timestamp' }`. */
  default(value: ServerDefault): Column<T, Nullable, true> {
    return this.with({ default: value });
  }
  primaryKey(): Column<T, Nullable, Optional> {
    return this.with({ primaryKey: true });
  }
  autoIncrement(): Column<T, Nullable, true> {
    return this.with({ autoIncrement: true, primaryKey: true });
  }
  /** A single-column unique constraint, named by convention unless a name is given. */
  unique(name?: string): Column<T, Nullable, Optional> {
    return this.with({ unique: name ?? true });
  }
  /** A single-column index, named by convention unless a name is given. */
  index(name?: string): Column<T, Nullable, Optional> {
    return this.with({ index: name ?? true });
  }
  /** A foreign key to `table.column`, with an explicit ON DELETE behaviour. */
  references(
    target: `${string}.${string}`,
    actions: { onDelete: ReferentialAction; onUpdate?: ReferentialAction },
  ): Column<T, Nullable, Optional> {
    const [table, column] = target.split('.') as [string, string];
    return this.with({ references: { table, column, ...actions } });
  }
  /**
   * The column's collation, named per dialect: `{ mysql: 'utf8mb4_bin' }`. Dialects left out keep
   * their default collation. SQLAlchemy's `String(collation=…)`, for string and text columns.
   */
  collation(collation: Collation): Column<T, Nullable, Optional> {
    validateCollation(collation, false);
    return this.with({ collation: { ...collation } });
  }
  /** Constrains the column to a set of values (a CHECK constraint) and narrows its type. */
  oneOf<const V extends readonly string[]>(values: V): Column<V[number], Nullable, Optional> {
    return this.with({ oneOf: values });
  }
}

const make = <T>(type: ColumnTypeName) =>
  new Column<T>({
    type,
    nullable: false,
    autoIncrement: false,
    primaryKey: false,
    unique: false,
    index: false,
  });

/**
 * Column constructors. Value conventions, the same on every dialect (the data layer normalises
 * driver differences): dates are ISO `YYYY-MM-DD` strings, timestamps are `Date`s in UTC, numeric
 * values are JavaScript numbers.
 */
export const col = {
  integer: () => make<number>('integer'),
  bigint: () => make<number>('bigint'),
  smallint: () => make<number>('smallint'),
  float: () => make<number>('float'),
  numeric: (precision: number, scale: number) => make<number>(`numeric(${precision},${scale})`),
  boolean: () => make<boolean>('boolean'),
  string: (length: number) => make<string>(`string(${length})`),
  text: () => make<string>('text'),
  date: () => make<string>('date'),
  timestamp: () => make<Date>('timestamp'),
  json: () => make<unknown>('json'),
};

export type AnyColumn = Column<any, boolean, boolean>;
export type ColumnMap = Record<string, AnyColumn>;

export interface TableExtras {
  indexes?: { name?: string; columns: string[]; unique?: boolean }[];
  uniques?: { name?: string; columns: string[] }[];
  checks?: CheckDef[];
}

export interface Model<Name extends string = string, Columns extends ColumnMap = ColumnMap> {
  readonly name: Name;
  readonly columns: Columns;
  /** The metadata the migration engine reads. */
  readonly table: TableDef;
}

export function defineTable<const Name extends string, Columns extends ColumnMap>(
  name: Name,
  columns: Columns,
  extras: TableExtras = {},
): Model<Name, Columns> {
  const model = { name, columns, table: buildTable(name, columns, extras) };
  const file = callerFile();
  if (file) definitions.push({ model, file });
  return model;
}

/**
 * Every table `defineTable` made, with the module that called it: a model a models file defines
 * but does not export (a forgotten `export`) is found by `assertAllRegistered` through this, as
 * the exported ones are through the modules' exports.
 */
const definitions: { model: Model; file: string }[] = [];

/** The tables defined by code in `file` (a path). */
export function tablesDefinedIn(file: string): Model[] {
  return definitions.filter((d) => d.file === file).map((d) => d.model);
}

/** The path of the module that called `defineTable`, from V8's structured call sites. */
function callerFile(): string | undefined {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_, frames) => frames;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, defineTable);
    const name = holder.stack?.[0]?.getFileName();
    if (!name) return undefined;
    return name.startsWith('file:') ? fileURLToPath(name) : name;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}

function buildTable(name: string, columns: ColumnMap, extras: TableExtras): TableDef {
  const cols: ColumnDef[] = [];
  const pk: string[] = [];
  const uniques: UniqueDef[] = [];
  const indexes: IndexDef[] = [];
  const fks: ForeignKeyDef[] = [];
  const checks: CheckDef[] = [...(extras.checks ?? [])];
  for (const [colName, column] of Object.entries(columns)) {
    const s = column.state;
    cols.push({
      name: colName,
      type: s.type,
      nullable: s.nullable,
      ...(s.default !== undefined ? { default: s.default } : {}),
      ...(s.autoIncrement ? { autoIncrement: true } : {}),
      ...(s.collation && Object.keys(s.collation).length ? { collation: { ...s.collation } } : {}),
    });
    if (s.primaryKey) pk.push(colName);
    if (s.unique) {
      uniques.push({
        name: typeof s.unique === 'string' ? s.unique : constraintName('uq', name, [colName]),
        columns: [colName],
      });
    }
    if (s.index) {
      indexes.push({
        name: typeof s.index === 'string' ? s.index : constraintName('ix', name, [colName]),
        columns: [colName],
      });
    }
    if (s.references) {
      const r = s.references;
      // MariaDB refuses such a key; SQLite and PostgreSQL fail the delete or update that fires it.
      const setNull = [
        r.onDelete === 'set null' && 'ON DELETE',
        r.onUpdate === 'set null' && 'ON UPDATE',
      ].find(Boolean);
      if (setNull && !s.nullable) {
        throw new Error(
          `Model '${name}': column '${colName}' is NOT NULL, but its foreign key sets it to NULL (${setNull} SET NULL); make it .nullable() or choose another action`,
        );
      }
      fks.push({
        name: constraintName('fk', name, [colName, r.table]),
        columns: [colName],
        references: { table: r.table, columns: [r.column] },
        onDelete: r.onDelete,
        ...(r.onUpdate ? { onUpdate: r.onUpdate } : {}),
      });
    }
    if (s.oneOf) {
      const list = s.oneOf.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
      checks.push({ name: constraintName('ck', name, [colName]), expr: `${sqlName(colName)} IN (${list})` });
    }
  }
  for (const u of extras.uniques ?? []) {
    uniques.push({ name: u.name ?? constraintName('uq', name, u.columns), columns: u.columns });
  }
  for (const i of extras.indexes ?? []) {
    indexes.push({
      name: i.name ?? constraintName('ix', name, i.columns),
      columns: i.columns,
      unique: !!i.unique,
    });
  }
  for (const i of indexes) i.unique = !!i.unique;
  if (pk.length === 0) throw new Error(`Model '${name}' declares no primary key`);
  return {
    name,
    columns: cols,
    primaryKey: { name: constraintName('pk', name, []), columns: pk },
    uniqueConstraints: uniques,
    foreignKeys: fks,
    checks,
    indexes,
  };
}

/** The Kysely column type one model column yields. */
type InferColumn<C> =
  C extends Column<infer T, infer N, infer O>
    ? O extends true
      ? ColumnType<
          N extends true ? T | null : T,
          (N extends true ? T | null : T) | undefined,
          N extends true ? T | null : T
        >
      : N extends true
        ? T | null
        : T
    : never;

export type InferTable<M> = M extends Model<string, infer C> ? { [K in keyof C]: InferColumn<C[K]> } : never;

/** `{ users: {...}, products: {...} }` from a list or record of models. */
export type InferDatabase<Models extends readonly Model[]> = {
  [M in Models[number] as M['name']]: InferTable<M>;
};
