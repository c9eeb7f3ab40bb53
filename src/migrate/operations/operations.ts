import { type Compilable, isCompilable, type Kysely, type RawBuilder } from 'kysely';
import type {
  AlterColumnChange,
  ConstraintKind,
  DialectImpl,
  DialectName,
  TableRebuilder,
} from '../ddl/dialect-impl.js';
import { changesCollation, collatable, validateCollation } from '../schema/collation.js';
import { isDialectType, validateDialectNames } from '../schema/dialect-type.js';
import { referencesColumn } from '../schema/expression-columns.js';
import * as edit from '../schema/table-transform.js';
import type {
  Collation,
  ColumnDef,
  ColumnTypeName,
  ForeignKeyDef,
  ReferentialAction,
  ServerDefault,
  TableDef,
  TableSpec,
} from '../schema/types.js';
import type { OperationSink } from './sink.js';
import { isUsingPlaceholder } from './using-placeholder.js';

export interface AlterColumnOptions extends AlterColumnChange {
  /**
   * The column as it is now. Filled from the database when omitted, as is this dialect's collation
   * when `existing.collation` does not name it (a dialect left out is unknown, not at its default);
   * autogenerate writes it out.
   */
  existing?: Partial<Omit<ColumnDef, 'name'>> | undefined;
}

export class OperationError extends Error {}

/** Refuses what would otherwise fail late or silently, such as a collation given as a plain string. */
function checkColumn(c: ColumnDef): void {
  if (c.collation !== undefined) validateCollation(c.collation, false);
  if (isDialectType(c.type)) validateDialectNames(c.type, `column '${c.name}'`);
}

/**
 * `op`, as revision files receive it: dialect-portable schema operations. One revision file runs
 * unchanged on SQLite, MySQL/MariaDB and PostgreSQL. Where SQLite cannot ALTER in place, the
 * change is applied by copy-and-move (Alembic's batch mode) keeping rows, indexes and foreign keys.
 */
export class Operations {
  constructor(
    readonly impl: DialectImpl,
    private readonly sink: OperationSink,
    /** The query builder to write data migrations with; pass the query to `execute`. */
    readonly db: Kysely<any>,
  ) {}

  get dialect(): DialectName {
    return this.impl.name;
  }

  /**
   * True under `--sql` (Alembic's `context.is_offline_mode()`): nothing can be read from the
   * database, so a data migration that needs to look at rows must say it in SQL instead.
   */
  get offline(): boolean {
    return this.sink.offline;
  }

  private async run(statements: string[]): Promise<void> {
    for (const s of statements) await this.sink.run(s);
  }

  private async requireTable(name: string): Promise<TableDef> {
    const t = await this.sink.getTable(name);
    if (!t) throw new OperationError(`Table '${name}' does not exist`);
    return t;
  }

  /**
   * Applies an edit. When the dialect has a statement for it, that statement runs; when it
   * returns null (SQLite), the table is rebuilt from its edited definition. Online, the live table
   * is read only when something needs it (a rebuild, MySQL's MODIFY): reading the catalogue before
   * every ALTER would cost more than the ALTER. Offline, the tracked shape is always kept current.
   */
  private async change(
    table: string,
    apply: (s: edit.TableState) => void,
    statements: (current: () => Promise<TableDef>) => Promise<string[] | null> | string[] | null,
  ): Promise<void> {
    let current: TableDef | undefined;
    const load = async () => {
      current ??= await this.requireTable(table);
      return current;
    };
    const direct = await statements(load);
    if (direct && !this.sink.offline) {
      await this.run(direct);
      this.sink.tableChanged(table, undefined);
      return;
    }
    const before = await load();
    const state = edit.startState(before);
    apply(state);
    if (!direct) this.sink.rebuilding?.(table);
    await this.run(
      direct ??
        (this.impl as DialectImpl & TableRebuilder).rebuildTable(before, state.table, state.columnMap),
    );
    this.sink.tableChanged(table, state.table);
  }

  /** Keeps the offline schema's copy of a table current; online there is nothing to track. */
  private async track(table: string, update: (t: TableDef) => TableDef): Promise<void> {
    if (!this.sink.offline) return this.sink.tableChanged(table, undefined);
    const t = await this.sink.getTable(table);
    if (t) this.sink.tableChanged(table, update(t));
  }

  async createTable(name: string, spec: TableSpec): Promise<void> {
    for (const c of spec.columns) checkColumn(c);
    await this.run(this.impl.createTable(name, spec));
    this.sink.tableChanged(name, { name, ...structuredClone(spec), indexes: [] });
  }

  async dropTable(name: string): Promise<void> {
    await this.run(this.impl.dropTable(name));
    this.sink.tableChanged(name, undefined);
  }

  async renameTable(from: string, to: string): Promise<void> {
    const current = this.sink.offline ? await this.requireTable(from) : undefined;
    await this.run(this.impl.renameTable(from, to));
    this.sink.tableChanged(from, undefined);
    this.sink.tableChanged(to, current ? edit.renameTable(current, to) : undefined);
    this.sink.tableRenamed?.(from, to);
  }

  async addColumn(table: string, column: ColumnDef): Promise<void> {
    checkColumn(column);
    await this.change(
      table,
      (s) => edit.addColumn(s, column),
      // SQLite's ADD COLUMN refuses a default that is not a constant (CURRENT_TIMESTAMP: "Cannot
      // add a column with non-constant default") and a NOT NULL column without one, even to an
      // empty table: copy-and-move then, where the copied rows get the default (the time of the
      // copy), or fail NOT NULL when there are rows, as on the other databases.
      () =>
        this.impl.name === 'sqlite' &&
        ((typeof column.default === 'object' && column.default !== null) ||
          (!column.nullable && column.default === undefined))
          ? null
          : this.impl.addColumn(table, column),
    );
  }

  async dropColumn(table: string, column: string): Promise<void> {
    await this.change(
      table,
      (s) => edit.dropColumn(s, column),
      async (load) => {
        // SQLite's DROP COLUMN refuses columns that a key, index or constraint uses: rebuild then.
        if (this.impl.name !== 'sqlite') return this.impl.dropColumn(table, column);
        const current = await load();
        const uses = (cols: string[]) => cols.includes(column);
        const constrained =
          uses(current.primaryKey?.columns ?? []) ||
          (current.indexes ?? []).some((i) => edit.indexUses(i, column)) ||
          (current.uniqueConstraints ?? []).some((u) => uses(u.columns)) ||
          (current.foreignKeys ?? []).some((f) => uses(f.columns)) ||
          (current.checks ?? []).some((c) => referencesColumn(c.expr, column));
        return constrained ? null : this.impl.dropColumn(table, column);
      },
    );
  }

  async renameColumn(table: string, from: string, to: string): Promise<void> {
    await this.change(
      table,
      (s) => edit.renameColumn(s, from, to),
      () => this.impl.renameColumn(table, from, to),
    );
  }

  async alterColumn(table: string, column: string, options: AlterColumnOptions): Promise<void> {
    const { existing, ...change } = options;
    if (change.collation !== undefined) validateCollation(change.collation, true);
    if (change.type !== undefined && isDialectType(change.type)) {
      validateDialectNames(change.type, `column '${column}'`);
    }
    if (existing?.collation !== undefined) validateCollation(existing.collation, false);
    if (this.dialect === 'postgres' && change.using !== undefined && isUsingPlaceholder(change.using)) {
      throw new OperationError(
        `fill in the 'using' expression of op.alterColumn('${table}', '${column}', …): autogenerate left a placeholder there, ${change.using.trim()}, as PostgreSQL has no cast for this type change`,
      );
    }
    // Only a collation, named for other databases: nothing changes here, so no statement (and on
    // SQLite no copy-and-move of the whole table).
    const changed = Object.entries(change).filter(([, v]) => v !== undefined);
    if (
      changed.length === 1 &&
      changed[0]![0] === 'collation' &&
      change.collation !== null &&
      change.collation !== undefined &&
      !Object.hasOwn(change.collation, this.dialect)
    ) {
      return;
    }
    await this.change(
      table,
      (s) => edit.alterColumn(s, column, change),
      async (load) => {
        const live = async () => {
          const c = (await load()).columns.find((x) => x.name === column);
          if (!c) throw new OperationError(`Table '${table}' has no column '${column}'`);
          return c;
        };
        // A complete `existing` (type, nullability and default, as autogenerate writes for a
        // column with a default) spares reading the live column — unless its collation for this
        // dialect is unknown (below), which sends a column that takes one to the live read.
        const complete =
          existing?.type !== undefined && existing.nullable !== undefined && 'default' in existing;
        const read = complete ? undefined : await live();
        const base = { ...read, ...(existing ?? {}), name: column } as ColumnDef;
        // `existing.collation` is per dialect like every collation: a dialect it does not name is
        // unknown here, not at its default. Autogenerate names only the collation of the database
        // it read, so taken as the default, a revision generated on another would reset this
        // one's (MySQL's MODIFY restates the column, PostgreSQL's SET DATA TYPE gives it its type's
        // default). It is read as with no `existing` (online from the database, under --sql from
        // the schema the earlier revisions built), unless the change names it or a type takes none.
        const type = change.type ?? base.type;
        if (
          existing?.collation?.[this.dialect] === undefined &&
          !changesCollation(change.collation, this.dialect) &&
          collatable(base.type) &&
          collatable(type)
        ) {
          const own = (read ?? (await live())).collation?.[this.dialect];
          const collation: Collation = { ...existing?.collation };
          if (own !== undefined) collation[this.dialect] = own;
          if (Object.keys(collation).length) base.collation = collation;
          else delete base.collation;
        }
        return this.impl.alterColumn(table, base, change);
      },
    );
  }

  async createIndex(
    name: string,
    table: string,
    columns: string[],
    options: { unique?: boolean } = {},
  ): Promise<void> {
    const index = { name, columns, unique: !!options.unique };
    await this.run(this.impl.createIndex(table, index));
    await this.track(table, (t) => ({ ...t, indexes: [...(t.indexes ?? []), index] }));
  }

  async dropIndex(name: string, table: string): Promise<void> {
    const keys = await this.foreignKeysNeedingIndex(table, name, () => this.sink.getTable(table));
    await this.run(this.keepingForeignKeys(table, keys, this.impl.dropIndex(table, name)));
    await this.track(table, (t) => ({ ...t, indexes: (t.indexes ?? []).filter((i) => i.name !== name) }));
  }

  async createUniqueConstraint(name: string, table: string, columns: string[]): Promise<void> {
    const u = { name, columns };
    await this.change(
      table,
      (s) => edit.addUnique(s, u),
      () => this.impl.addUnique(table, u),
    );
  }

  async createForeignKey(
    name: string,
    table: string,
    referencedTable: string,
    columns: string[],
    referencedColumns: string[],
    options: { onDelete?: ReferentialAction; onUpdate?: ReferentialAction } = {},
  ): Promise<void> {
    const fk = {
      name,
      columns,
      references: { table: referencedTable, columns: referencedColumns },
      ...options,
    };
    await this.change(
      table,
      (s) => edit.addForeignKey(s, fk),
      () => this.impl.addForeignKey(table, fk),
    );
  }

  async createCheckConstraint(name: string, table: string, expr: string): Promise<void> {
    const ck = { name, expr };
    await this.change(
      table,
      (s) => edit.addCheck(s, ck),
      () => this.impl.addCheck(table, ck),
    );
  }

  /** `kind` is needed by MySQL, whose DROP differs per constraint kind. */
  async dropConstraint(name: string, table: string, kind: ConstraintKind): Promise<void> {
    await this.change(
      table,
      (s) => edit.dropConstraint(s, name, kind),
      async (load) => {
        const statements = this.impl.dropConstraint(table, name, kind);
        if (!statements || kind !== 'unique') return statements;
        return this.keepingForeignKeys(
          table,
          await this.foreignKeysNeedingIndex(table, name, load),
          statements,
        );
      },
    );
  }

  /**
   * The foreign keys that would lose the last index on their columns with index (or unique
   * constraint) `name`: on MySQL/MariaDB, read from the live table (the offline schema under
   * `--sql`); none elsewhere, where a key needs no index.
   */
  private async foreignKeysNeedingIndex(
    table: string,
    name: string,
    load: () => Promise<TableDef | undefined>,
  ): Promise<ForeignKeyDef[]> {
    if (!this.impl.foreignKeysNeedingIndex) return [];
    if (this.sink.mayHaveForeignKeys && !(await this.sink.mayHaveForeignKeys(table))) return [];
    const t = await load();
    return t ? this.impl.foreignKeysNeedingIndex(t, name) : [];
  }

  /** `statements` between dropping `keys` and creating them again. */
  private keepingForeignKeys(table: string, keys: ForeignKeyDef[], statements: string[]): string[] {
    if (!keys.length) return statements;
    return [
      ...keys.flatMap((fk) => this.impl.dropConstraint(table, fk.name, 'foreignkey') ?? []),
      ...statements,
      ...keys.flatMap((fk) => this.impl.addForeignKey(table, fk) ?? []),
    ];
  }

  /** Raw SQL, or a Kysely query built from `op.db` (rendered with literals in `--sql` mode). */
  async execute(statement: string | Compilable | RawBuilder<unknown>): Promise<void> {
    if (typeof statement === 'string') return this.sink.execute(statement);
    const compiled = isCompilable(statement) ? statement.compile() : statement.compile(this.db);
    await this.sink.execute(compiled.sql, compiled.parameters);
  }

  /** The portable type vocabulary, for readability in hand-written revisions: `op.type.string(255)`. */
  readonly type = {
    string: (length: number): ColumnTypeName => `string(${length})`,
    numeric: (precision: number, scale: number): ColumnTypeName => `numeric(${precision},${scale})`,
  };

  /** `{ expr: 'current_timestamp' }`, the portable "now" server default. */
  readonly now: ServerDefault = { expr: 'current_timestamp' };
}
