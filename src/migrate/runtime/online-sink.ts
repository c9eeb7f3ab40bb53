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
  private lastYield = Date.now();

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
    // SQLite runs in this process and synchronously: a revision of many statements would never
    // let the event loop turn, so Ctrl-C/SIGTERM would go unseen until the whole run ended. A
    // turn every 100 ms lets the signal be heard (stop after this revision; a second one, at once).
    if (this.dialect === 'sqlite' && Date.now() - this.lastYield > 100) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastYield = Date.now();
    }
  }

  async getTable(name: string): Promise<TableDef | undefined> {
    const [t] = await introspector(this.dialect).getTables(this.db, { tables: [name] });
    return t;
  }

  tableChanged(): void {
    // Nothing to track: the catalogue is the truth online.
  }
}
