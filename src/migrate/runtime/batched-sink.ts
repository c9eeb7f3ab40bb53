import { CompiledQuery, type Kysely, sql } from 'kysely';
import { introspector } from '../introspect/index.js';
import { MysqlIntrospector } from '../introspect/mysql.js';
import type { OperationSink } from '../operations/sink.js';
import type { TableDef } from '../schema/types.js';
import type { MigrationStep } from '../script/migration-step.js';
import { MigrationError } from './migration-error.js';

/**
 * MySQL/MariaDB, where DDL cannot be rolled back. A revision's generated statements and its
 * version-table update travel to the server as ONE multi-statement request: the server runs them
 * in order and stops at the first that fails, so — exactly as when they went one by one — the
 * version row advances only once every statement of the revision has run, and a failure leaves
 * the database at the last completed revision.
 *
 * What it buys: the engine prepares the next revision (runs its `upgrade(op)`, builds its DDL)
 * while the server is still executing this one (`Environment.runBatched` keeps one request in
 * flight), and the round trips between statements go away. Measured on the 200-revision bench
 * chain (bench/README.md).
 *
 * Anything that must see the database as the revision left it so far — reading a table's shape,
 * a query through `op.db`, a statement the revision wrote itself (`op.execute`, sent alone and
 * exactly as written) — first waits for the previous revision and sends what is queued
 * (`flush`). The "Running upgrade …" line is printed when the revision's first statements are
 * sent, so a revision that never ran never has its line printed.
 */
/** The tables with a foreign key of their own, while no statement since could have added one. */
export interface ForeignKeyTables {
  names?: Set<string>;
}

export class BatchedSink implements OperationSink {
  readonly offline = false;
  private pending: string[] = [];
  private announced = false;
  /** This revision's statements the server has run (they stay: MySQL cannot roll DDL back). */
  private applied = 0;

  constructor(
    private readonly conn: Kysely<any>,
    private readonly step: MigrationStep,
    /** The previous revision's request; rejects with that revision's MigrationError. */
    private readonly previous: Promise<void>,
    private readonly announce: () => void,
    /** Shared by the run's revisions: what the run knows of the tables with foreign keys. */
    private readonly foreignKeyTables: ForeignKeyTables = {},
  ) {}

  async run(statement: string): Promise<void> {
    // A statement that may give a table a foreign key (or a new name) makes the run forget.
    if (/\b(foreign\s+key|references|rename)\b/i.test(statement)) this.foreignKeyTables.names = undefined;
    this.pending.push(statement);
  }

  async execute(statement: string, parameters: readonly unknown[] = []): Promise<void> {
    this.foreignKeyTables.names = undefined; // the revision's own SQL: anything may have changed
    await this.flush();
    await this.send([statement], parameters);
  }

  /**
   * Read once for the run (after what is queued has run) and again only after a statement that may
   * have added a foreign key: the 200-revision bench chain's downgrade drops 66 indexes of 5 tables
   * and now reads the catalogue once, where reading each table's shape cost ~7% of its time.
   */
  async mayHaveForeignKeys(table: string): Promise<boolean> {
    if (!this.foreignKeyTables.names) {
      await this.flush();
      this.foreignKeyTables.names = await new MysqlIntrospector().tablesWithForeignKeys(this.conn);
    }
    return this.foreignKeyTables.names.has(table.toLowerCase());
  }

  async getTable(name: string): Promise<TableDef | undefined> {
    await this.flush();
    const [t] = await introspector('mysql').getTables(this.conn, { tables: [name] });
    return t;
  }

  tableChanged(): void {
    // Nothing to track: online, the catalogue is the truth (read after a flush).
  }

  /** The previous revision completed and this one's queued statements run: before any read. */
  async flush(): Promise<void> {
    await this.previous;
    this.start();
    if (this.pending.length) await this.send(this.pending.splice(0));
  }

  /** Sends what is queued together with the version-table statements that close the revision. */
  async finish(versionStatements: readonly string[]): Promise<void> {
    await this.previous;
    this.start();
    const own = this.pending.splice(0);
    await this.send([...own, ...versionStatements], [], own.length);
  }

  /**
   * The revision's own code threw. An earlier revision's failure is the one to report; else what
   * the revision issued before throwing runs (as it would have, statement by statement) and the
   * error is reported against this revision. Always throws.
   */
  async abandon(error: unknown): Promise<never> {
    await this.previous;
    if (error instanceof MigrationError) throw error;
    this.start();
    if (this.pending.length) await this.send(this.pending.splice(0));
    throw new MigrationError(
      this.step.revision.revision,
      this.step.direction,
      '',
      error,
      leftApplied(this.applied),
    );
  }

  private start(): void {
    if (this.announced) return;
    this.announced = true;
    this.announce();
  }

  /**
   * One request. With several statements, each is preceded by `SET @ee_statement = i`, so that
   * when one fails the session variable names it (the server stops at the failing statement).
   */
  private async send(
    statements: readonly string[],
    parameters: readonly unknown[] = [],
    /** How many of the statements are the revision's own (the rest update the version table). */
    own = statements.length,
  ): Promise<void> {
    if (statements.length === 0) return;
    const text =
      statements.length === 1
        ? statements[0]!
        : statements.map((s, i) => `SET @ee_statement = ${i};\n${s}`).join(';\n');
    try {
      await this.conn.executeQuery(CompiledQuery.raw(text, [...parameters]));
      this.applied += own;
    } catch (e) {
      const at = statements.length === 1 ? 0 : await this.failedStatement();
      throw new MigrationError(
        this.step.revision.revision,
        this.step.direction,
        at === undefined ? '' : (statements[at] ?? ''),
        e,
        leftApplied(this.applied + Math.min(at ?? 0, own), at === undefined),
      );
    }
  }

  /** Which statement of the request failed; undefined when the connection itself failed. */
  private async failedStatement(): Promise<number | undefined> {
    try {
      const { rows } = await sql<{ n: number | null }>`SELECT @ee_statement AS n`.execute(this.conn);
      const n = rows[0]?.n;
      return n === null || n === undefined ? undefined : Number(n);
    } catch {
      return undefined; // the connection itself failed: the error says so, no statement to name
    }
  }
}

/**
 * What a failed revision left behind on MySQL/MariaDB, which commit each DDL statement: the version
 * row still names the revision before it, but the statements it ran before failing stay applied,
 * and running it again would meet them ("Duplicate column name"). Said in the error, not left to
 * be found out.
 */
function leftApplied(statements: number, unknown = false): string | undefined {
  if (statements === 0 && !unknown) return undefined;
  const what =
    statements === 0
      ? 'some of its statements may have run before the connection failed, and they stay applied'
      : `the ${statements === 1 ? 'statement' : `${statements} statements`} it ran before failing stay${statements === 1 ? 's' : ''} applied${unknown ? ' (perhaps more: the connection failed)' : ''}`;
  return `MySQL/MariaDB cannot roll back DDL: ${what}, though the version table does not list this revision; undo them by hand (or finish the revision by hand and \`stamp\` it) before running it again`;
}
