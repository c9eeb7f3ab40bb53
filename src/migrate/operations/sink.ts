import type { TableDef } from '../schema/types.js';

/**
 * Where operations go. Online, statements run on the migration connection and table shapes come
 * from the live catalogue; offline (`--sql`), statements are printed and shapes come from the
 * schema the earlier operations built.
 */
export interface OperationSink {
  readonly offline: boolean;
  /** A statement the operations generated (DDL): it may travel together with the ones around it. */
  run(statement: string): Promise<void>;
  /**
   * A statement the revision wrote (`op.execute`): sent by itself, exactly as given. Online,
   * parameters are bound; offline they are rendered as literals.
   */
  execute(statement: string, parameters?: readonly unknown[]): Promise<void>;
  /** The current shape of a table, or undefined when it does not exist. */
  getTable(name: string): Promise<TableDef | undefined>;
  /**
   * Online on MySQL/MariaDB, for the whole run: tables read and found without foreign keys, which
   * no statement since could have given one. Dropping an index checks whether a foreign key needs
   * it (InnoDB refuses to drop its last one); for these tables that needs no read — a read makes
   * the batched run wait for the server, and a downgrade drops many indexes.
   */
  readonly tablesWithoutForeignKeys?: Set<string>;
  /**
   * Called before a table is rebuilt by copy-and-move (SQLite), whose DROP TABLE would fire the
   * ON DELETE actions of the rows that reference it were foreign keys enforced.
   */
  rebuilding?(table: string): void;
  /** Called after every change to a table so a cached shape is refreshed or updated. */
  tableChanged(name: string, next: TableDef | undefined): void;
  /**
   * Called after a table is renamed: the databases point other tables' foreign keys at the new
   * name (SQLite rewrites their stored SQL), so a tracked shape must follow.
   */
  tableRenamed?(from: string, to: string): void;
}
