import { CompiledQuery, type Kysely } from 'kysely';
import type { DialectName } from '../ddl/dialect-impl.js';
import { introspector } from '../introspect/index.js';
import type { OperationSink } from '../operations/sink.js';
import type { TableDef } from '../schema/types.js';

/**
 * Runs statements on the migration connection; reads table shapes from the live catalogue each
 * time one is needed (an operation reads it at most once), so raw SQL run by `op.execute` in the
 * same revision is always seen.
 */
export class OnlineSink implements OperationSink {
  readonly offline = false;
  /** The statement running now, named in the error if it fails ('' between statements). */
  lastStatement = '';

  constructor(
    private readonly db: Kysely<any>,
    private readonly dialect: DialectName,
  ) {}

  async run(statement: string): Promise<void> {
    await this.execute(statement);
  }

  async execute(statement: string, parameters: readonly unknown[] = []): Promise<void> {
    this.lastStatement = statement;
    await this.db.executeQuery(CompiledQuery.raw(statement, [...parameters]));
    this.lastStatement = '';
  }

  async getTable(name: string): Promise<TableDef | undefined> {
    const [t] = await introspector(this.dialect).getTables(this.db, { tables: [name] });
    return t;
  }

  tableChanged(): void {
    // Nothing to track: the catalogue is the truth online.
  }
}
