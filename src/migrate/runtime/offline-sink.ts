import type { DialectImpl } from '../ddl/dialect-impl.js';
import { renderQuery } from '../operations/render-query.js';
import type { OperationSink } from '../operations/sink.js';
import type { TableDef } from '../schema/types.js';
import { applyRawIndexStatement } from './offline-raw-indexes.js';

/**
 * `--sql` mode: statements are written out as a script; table shapes come from replaying the
 * operations themselves, so SQLite's copy-and-move can be scripted without a database.
 */
export class OfflineSink implements OperationSink {
  readonly offline = true;
  /** False while replaying the revisions below the requested range, to learn the schema. */
  emit = true;
  private readonly tables = new Map<string, TableDef>();
  /** Whether a table was rebuilt by copy-and-move since the caller last cleared it. */
  rebuilt = false;

  constructor(
    private readonly impl: DialectImpl,
    private readonly write: (text: string) => void,
  ) {}

  async run(statement: string): Promise<void> {
    this.print(statement);
  }

  /**
   * A statement the revision wrote. On SQLite, its own CREATE INDEX / DROP INDEX is recorded in
   * the table's shape, for a later copy-and-move to keep (offline-raw-indexes.ts). Only there:
   * elsewhere no table is rebuilt from the record, and reading a partial or expression index into
   * it would make the offline edits refuse what the database does (PostgreSQL's DROP COLUMN drops
   * an index that uses the column).
   */
  async execute(statement: string, parameters: readonly unknown[] = []): Promise<void> {
    this.print(statement, parameters);
    if (this.impl.name !== 'sqlite' || parameters.length) return;
    const changed = applyRawIndexStatement(this.tables, statement);
    if (changed) this.tables.set(changed.name, changed);
  }

  private print(statement: string, parameters: readonly unknown[] = []): void {
    if (this.emit) this.write(`${renderQuery(this.impl, statement, parameters)};\n\n`);
  }

  comment(text: string): void {
    if (this.emit) this.write(`-- ${text}\n\n`);
  }

  rebuilding(): void {
    this.rebuilt = true;
  }

  async getTable(name: string): Promise<TableDef | undefined> {
    const t = this.tables.get(name);
    return t && structuredClone(t);
  }

  tableChanged(name: string, next: TableDef | undefined): void {
    if (next) this.tables.set(next.name, structuredClone(next));
    else this.tables.delete(name);
  }

  /** Foreign keys of the tracked tables that referenced `from` now reference `to`, as in the database. */
  tableRenamed(from: string, to: string): void {
    const old = from.toLowerCase();
    for (const t of this.tables.values()) {
      for (const fk of t.foreignKeys ?? []) {
        if (fk.references.table.toLowerCase() === old) fk.references.table = to;
      }
    }
  }
}
