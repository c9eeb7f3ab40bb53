import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectName } from '../ddl/dialect-impl.js';
import { introspector } from '../introspect/index.js';
import type { OperationSink } from '../operations/sink.js';
import type { TableDef } from '../schema/types.js';

/** Runs statements on the migration connection; reads table shapes from the live catalogue. */
export class OnlineSink implements OperationSink {
  readonly offline = false;
  /** The statement running now, named in the error if it fails. */
  lastStatement = '';
  private readonly tables = new Map<string, TableDef | undefined>();

  constructor(
    private readonly db: Kysely<any>,
    private readonly dialect: DialectName,
    private readonly onStatement?: (statement: string) => void,
  ) {}

  async run(statement: string, parameters: readonly unknown[] = []): Promise<void> {
    this.lastStatement = statement;
    this.onStatement?.(statement);
    await this.db.executeQuery(CompiledQuery.raw(statement, [...parameters]));
  }

  async getTable(name: string): Promise<TableDef | undefined> {
    if (!this.tables.has(name)) {
      const [t] = await introspector(this.dialect).getTables(this.db, { tables: [name] });
      this.tables.set(name, t);
    }
    return structuredClone(this.tables.get(name));
  }

  tableChanged(name: string): void {
    // Re-read after a change: raw SQL in the same revision may have changed it too.
    this.tables.delete(name);
  }

  /** Raw `execute` can change anything: forget every cached shape. */
  forget(): void {
    this.tables.clear();
  }
}
