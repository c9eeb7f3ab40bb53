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
   * Online on MySQL/MariaDB: false when the table certainly has no foreign key of its own, so that
   * dropping one of its indexes needs no read of its shape. Dropping an index checks whether a
   * foreign key needs it (InnoDB refuses to drop its last one); reading a table's whole shape makes
   * the batched run wait for the server and costs five catalogue queries, and a downgrade drops
   * many indexes. Absent elsewhere: the caller reads the shape.
   */
  mayHaveForeignKeys?(table: string): Promise<boolean>;
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
