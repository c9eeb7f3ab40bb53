import type { DialectImpl } from '../ddl/dialect-impl.js';
import { renderQuery } from '../operations/render-query.js';
import type { OperationSink } from '../operations/sink.js';
import type { TableDef } from '../schema/types.js';

/**
 * `--sql` mode: statements are written out as a script; table shapes come from replaying the
 * operations themselves, so SQLite's copy-and-move can be scripted without a database.
 */
export class OfflineSink implements OperationSink {
  readonly offline = true;
  /** False while replaying the revisions below the requested range, to learn the schema. */
  emit = true;
  private readonly tables = new Map<string, TableDef>();

  constructor(
    private readonly impl: DialectImpl,
    private readonly write: (text: string) => void,
  ) {}

  async run(statement: string): Promise<void> {
    await this.execute(statement);
  }

  async execute(statement: string, parameters: readonly unknown[] = []): Promise<void> {
    if (this.emit) this.write(`${renderQuery(this.impl, statement, parameters)};\n\n`);
  }

  comment(text: string): void {
    if (this.emit) this.write(`-- ${text}\n\n`);
  }

  async getTable(name: string): Promise<TableDef | undefined> {
    const t = this.tables.get(name);
    return t && structuredClone(t);
  }

  tableChanged(name: string, next: TableDef | undefined): void {
    if (next) this.tables.set(next.name, structuredClone(next));
    else this.tables.delete(name);
  }
}
