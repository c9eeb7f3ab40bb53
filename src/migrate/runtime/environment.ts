import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DialectImpl, DialectName } from '../ddl/dialect-impl.js';
import { type MigrationStep, shortLog, type VersionChange } from '../script/migration-step.js';
import type { RevisionMap } from '../script/revision-map.js';
import { ScriptDirectory } from '../script/script-directory.js';
import type { MigrationConfig } from './config.js';
import { type DatabaseUrl, displayUrl } from './database-url.js';
import { MigrationError, MigrationInterrupted } from './migration-error.js';
import { LOG, type Output } from './output.js';
import type { VersionTable } from './version-table.js';

type Runtime = typeof import('./database-runtime.js');

/** Alembic's names for the dialect implementations, and whether DDL is transactional. */
const IMPLS: Record<DialectName, { name: string; transactionalDDL: boolean }> = {
  sqlite: { name: 'SQLiteImpl', transactionalDDL: true },
  mysql: { name: 'MySQLImpl', transactionalDDL: false },
  postgres: { name: 'PostgresqlImpl', transactionalDDL: true },
};

/**
 * The runtime: Alembic's EnvironmentContext and MigrationContext in one. Owns the connection,
 * the lock and the version table, and runs planned steps online or renders them offline.
 */
export class Environment {
  readonly script: ScriptDirectory;
  readonly versionTableName: string;
  private database?: DatabaseUrl;
  private dbInstance?: Kysely<any>;
  private implInstance?: DialectImpl;
  private rt?: Runtime;
  /** True while a run holds the lock and applies revisions: `stop()` then takes effect. */
  private applying = false;
  /** Why the run must stop at the next revision (a signal's name), once asked. */
  private stopReason?: string;
  /** `announce()` was called online and its lines wait for the connection. */
  private announcementPending = false;

  constructor(
    readonly config: MigrationConfig,
    readonly output: Output,
  ) {
    this.script = new ScriptDirectory(config.scriptLocation, config.importPath);
    this.versionTableName = config.versionTable ?? 'alembic_version';
  }

  get url(): DatabaseUrl {
    this.database ??= this.config.database();
    return this.database;
  }

  /** Loads the database half of the engine (Kysely, DDL, drivers) on first use. */
  async load(): Promise<Runtime> {
    if (!this.rt) {
      this.rt = await import('./database-runtime.js');
      this.implInstance = this.rt.dialectImpl(this.url.dialect);
    }
    return this.rt;
  }

  /** The dialect's DDL; available once `load()` (or any database method) has run. */
  get impl(): DialectImpl {
    if (!this.implInstance) throw new Error('Environment.load() must run before the dialect is used');
    return this.implInstance;
  }

  get displayUrl(): string {
    return displayUrl(this.url);
  }

  get versionTable(): VersionTable {
    if (!this.rt) throw new Error('Environment.load() must run before the version table is used');
    return new this.rt.VersionTable(this.impl, this.versionTableName);
  }

  /**
   * The migration lock's name. PostgreSQL's advisory locks belong to one database, but MySQL's
   * GET_LOCK names are server-wide: there the database is part of the name, or a run on one
   * database would wait for a run (or a killed run's last statement) on another. Hashed, because
   * GET_LOCK takes at most 64 characters.
   */
  private get lockName(): string {
    const name = `expireeye_migrate_${this.versionTableName}`;
    if (this.url.dialect !== 'mysql') return name;
    const scope = `${this.url.database}.${this.versionTableName}`;
    return `expireeye_migrate_${createHash('sha1').update(scope).digest('hex')}`;
  }

  /**
   * The two INFO lines every database-touching command prints first. Online they wait for the
   * connection (`db()`), as Alembic prints them once its context is configured on a connection: a
   * database that cannot be reached gets only the error.
   */
  announce(offline = false): void {
    if (offline) {
      this.printAnnouncement(true);
      return;
    }
    this.announcementPending = true;
    if (this.dbInstance) this.flushAnnouncement();
  }

  private flushAnnouncement(): void {
    if (!this.announcementPending) return;
    this.announcementPending = false;
    this.printAnnouncement(false);
  }

  private printAnnouncement(offline: boolean): void {
    const impl = IMPLS[this.url.dialect];
    this.output.info(LOG.migration, `Context impl ${impl.name}.`);
    if (offline) this.output.info(LOG.migration, 'Generating static SQL');
    this.output.info(
      LOG.migration,
      `Will assume ${impl.transactionalDDL ? 'transactional' : 'non-transactional'} DDL.`,
    );
  }

  async db(): Promise<Kysely<any>> {
    const rt = await this.load();
    if (!this.dbInstance) {
      const db = await rt.connect(this.url, { poolSize: 2, multipleStatements: true });
      // Connected now rather than at the first statement, so that the INFO lines follow a
      // connection that worked. The pool keeps the connection for that statement.
      try {
        await db.connection().execute(async () => undefined);
      } catch (e) {
        await db.destroy().catch(() => undefined);
        throw e;
      }
      this.dbInstance = db;
    }
    this.flushAnnouncement();
    return this.dbInstance;
  }

  async close(): Promise<void> {
    await this.dbInstance?.destroy();
    this.dbInstance = undefined;
  }

  /** The heads recorded in the version table; [] when it does not exist (it is not created). */
  async currentHeads(db?: Kysely<any>): Promise<string[]> {
    await this.load();
    const conn = db ?? (await this.db());
    if (!(await this.versionTable.exists(conn))) return [];
    return this.versionTable.heads(conn);
  }

  /**
   * Runs `work` on one connection while holding the migration lock. SQLite: the whole run is one
   * IMMEDIATE transaction (its write lock) and each revision a savepoint in it, with foreign keys
   * off for copy-and-move and checked before each revision is released.
   */
  async locked<T>(work: (conn: Kysely<any>) => Promise<T>): Promise<T> {
    const db = await this.db();
    const { sql, acquireLock, releaseLock, beginSqliteWrite } = await this.load();
    const dialect = this.impl.name;
    return db.connection().execute(async (conn) => {
      if (dialect === 'sqlite') {
        await sql`PRAGMA foreign_keys = OFF`.execute(conn);
        await beginSqliteWrite(conn);
        try {
          const result = await work(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (e) {
          // Revisions completed before the failure were released from their savepoints: keep them.
          await sql`COMMIT`.execute(conn).catch(() => sql`ROLLBACK`.execute(conn));
          throw e;
        } finally {
          await sql`PRAGMA foreign_keys = ON`.execute(conn);
        }
      }
      await acquireLock(conn, dialect, this.lockName);
      let failed = false;
      try {
        return await work(conn);
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        // After a failure the connection itself may be gone (killed, lost): releasing then fails
        // too, and must not replace the error that names the revision and statement. The server
        // frees a session's lock when the session ends.
        await releaseLock(conn, dialect, this.lockName).catch((e: unknown) => {
          if (!failed) throw e;
        });
      }
    });
  }

  /**
   * Runs `work` as one transaction on the lock's connection (a savepoint on SQLite, whose whole
   * run already is one), for version-table changes that belong together (`stamp`): a failure, or a
   * process killed between two of them, leaves the rows as they were.
   */
  async atomically<T>(conn: Kysely<any>, work: () => Promise<T>): Promise<T> {
    const { sql } = await this.load();
    const sqlite = this.impl.name === 'sqlite';
    await (sqlite ? sql`SAVEPOINT ee_atomic` : sql`BEGIN`).execute(conn);
    try {
      const result = await work();
      await (sqlite ? sql`RELEASE ee_atomic` : sql`COMMIT`).execute(conn);
      return result;
    } catch (e) {
      if (sqlite) {
        await sql`ROLLBACK TO ee_atomic`.execute(conn).catch(() => undefined);
        await sql`RELEASE ee_atomic`.execute(conn).catch(() => undefined);
      } else await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Asks the online upgrade/downgrade in progress to stop once its current revision is complete
   * (the CLI's Ctrl-C and SIGTERM): ending the process mid-revision would leave that revision half
   * applied on MySQL/MariaDB, and on SQLite lose the revisions the run completed. False when no run
   * is applying revisions (nothing to finish) or a stop was already asked: the caller may then end
   * the process at once.
   */
  stop(reason: string): boolean {
    if (!this.applying || this.stopReason) return false;
    this.stopReason = reason;
    return true;
  }

  /** Between two revisions: throws when a stop was asked, before `next` starts. */
  private stopBefore(next: MigrationStep): void {
    if (this.stopReason) throw new MigrationInterrupted(this.stopReason, next.describe);
  }

  /** Creates the version table unless it exists. */
  async ensureVersionTable(conn: Kysely<any>): Promise<void> {
    if (!(await this.versionTable.exists(conn))) await this.versionTable.create(conn);
  }

  /** Online upgrade/downgrade: plans under the lock (so a concurrent run's work is seen), then runs. */
  async run(plan: (map: RevisionMap, heads: string[]) => MigrationStep[]): Promise<MigrationStep[]> {
    const map = await this.script.map();
    return this.locked(async (conn) => {
      await this.ensureVersionTable(conn);
      const heads = await this.versionTable.heads(conn);
      const steps = plan(map, heads);
      // Import every planned revision at once: the loader's file reads overlap instead of costing
      // one event-loop round trip each between revisions (Alembic, too, loads them all up front).
      await Promise.all(steps.map((step) => this.script.module(step.revision)));
      this.applying = true;
      try {
        if (this.impl.transactionalDDL) {
          for (const step of steps) {
            // A signal that came while the last revision kept the process busy (SQLite runs
            // synchronously, in-process) is delivered here, before the next one starts.
            await new Promise((resolve) => setImmediate(resolve));
            this.stopBefore(step);
            await this.runStep(conn, step);
          }
        } else await this.runBatched(conn, steps);
      } finally {
        this.applying = false;
      }
      return steps;
    });
  }

  private async runStep(conn: Kysely<any>, step: MigrationStep): Promise<void> {
    const { sql, OnlineSink, Operations, callRevision } = await this.load();
    const dialect = this.impl.name;
    this.output.info(LOG.migration, `Running ${step.describe}`);
    const mod = await this.script.module(step.revision);
    const sink = new OnlineSink(conn, dialect);
    const op = new Operations(this.impl, sink, conn);
    const begin =
      dialect === 'postgres' ? sql`BEGIN` : dialect === 'sqlite' ? sql`SAVEPOINT ee_revision` : null;
    if (begin) await begin.execute(conn);
    try {
      await callRevision(mod, step.direction, op);
      sink.lastStatement = '';
      await this.applyVersionChanges(conn, step.versionChanges);
      if (dialect === 'sqlite') {
        const bad = await sql<{ table: string; parent: string }>`PRAGMA foreign_key_check`.execute(conn);
        if (bad.rows.length) {
          const r = bad.rows[0]!;
          throw new Error(
            `foreign key violation: a row of '${r.table}' references a missing '${r.parent}' row`,
          );
        }
        await sql`RELEASE ee_revision`.execute(conn);
      } else if (dialect === 'postgres') await sql`COMMIT`.execute(conn);
    } catch (e) {
      if (dialect === 'postgres') await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      if (dialect === 'sqlite') {
        await sql`ROLLBACK TO ee_revision`.execute(conn).catch(() => undefined);
        await sql`RELEASE ee_revision`.execute(conn).catch(() => undefined);
      }
      throw new MigrationError(step.revision.revision, step.direction, sink.lastStatement, e);
    }
  }

  /**
   * MySQL/MariaDB: each revision goes as one multi-statement request closed by its version-table
   * update (batched-sink.ts), and the next revision is prepared while the server runs it: one
   * request in flight at a time, so a failure stops the run before anything after it is sent.
   */
  private async runBatched(conn: Kysely<any>, steps: MigrationStep[]): Promise<void> {
    const { BatchedSink, Operations, flushingDb, callRevision } = await this.load();
    let inFlight: Promise<void> = Promise.resolve();
    const foreignKeyTables = {};
    for (const step of steps) {
      // Asked to stop: the revision in flight completes (its failure, if any, is the error).
      if (this.stopReason) await inFlight;
      this.stopBefore(step);
      const mod = await this.script.module(step.revision);
      const sink = new BatchedSink(
        conn,
        step,
        inFlight,
        () => this.output.info(LOG.migration, `Running ${step.describe}`),
        foreignKeyTables,
      );
      const op = new Operations(
        this.impl,
        sink,
        flushingDb(conn, () => sink.flush()),
      );
      try {
        await callRevision(mod, step.direction, op);
      } catch (e) {
        await sink.abandon(e);
      }
      const sent = sink.finish(step.versionChanges.flatMap((c) => this.versionTable.changeStatements(c)));
      // Awaited below (or by the next revision's sink): not an unhandled rejection meanwhile.
      sent.catch(() => undefined);
      await inFlight;
      inFlight = sent;
    }
    await inFlight;
  }

  async applyVersionChanges(conn: Kysely<any>, changes: VersionChange[]): Promise<void> {
    const { CompiledQuery } = await this.load();
    const table = this.versionTable;
    for (const change of changes) {
      for (const s of table.changeStatements(change)) await conn.executeQuery(CompiledQuery.raw(s));
    }
  }

  /**
   * Offline (`--sql`): renders the steps as one script. `replay` are the steps below the range,
   * run silently so that table shapes are known (SQLite copy-and-move needs them). `startHeads`
   * are the version-table rows the script starts from (none from base): they decide where the
   * table is created and dropped (`ScriptedVersionTable`).
   */
  async render(options: {
    replay: MigrationStep[];
    steps: MigrationStep[];
    startHeads: readonly string[];
  }): Promise<void> {
    const { OfflineSink, Operations, callRevision } = await this.load();
    // A revision's text is held until it ends, to know whether its transaction needs the pragma.
    let held: string[] | undefined;
    const write = (text: string) => (held ? held.push(text) : this.output.stdout(text));
    const sink = new OfflineSink(this.impl, write);
    const op = new Operations(this.impl, sink, this.impl.compiler);
    sink.emit = false;
    for (const step of options.replay) {
      const mod = await this.script.module(step.revision);
      await callRevision(mod, step.direction, op);
    }
    sink.emit = true;
    const table = this.versionTable.script(options.startHeads);
    const txn = this.impl.transactionalDDL;
    for (const step of options.steps) {
      for (const s of table.beforeStep()) await sink.run(s);
      this.output.info(LOG.migration, `Running ${step.describe}`);
      sink.comment(`Running ${shortLog(step)}`);
      held = [];
      sink.rebuilt = false;
      let done = false;
      try {
        if (txn) write('BEGIN;\n\n');
        const mod = await this.script.module(step.revision);
        await callRevision(mod, step.direction, op);
        for (const s of table.changeStatements(step.versionChanges)) await sink.run(s);
        if (txn) write('COMMIT;\n\n');
        done = true;
      } finally {
        const body = held;
        held = undefined;
        // SQLite copy-and-move drops the table it rebuilds: with foreign keys on (the DBA's
        // `PRAGMA foreign_keys=ON`, or a client that enables them) that DROP deletes its rows first,
        // firing ON DELETE SET NULL / CASCADE on every row that references them. The online run
        // turns foreign keys off around the run; the script does so around each revision that
        // rebuilds, before its BEGIN (inside a transaction the pragma does nothing). A script with
        // no rebuild has neither line, as Alembic's SQLite scripts have none.
        const guard = sink.rebuilt && this.impl.name === 'sqlite';
        if (guard) write('PRAGMA foreign_keys=OFF;\n\n');
        for (const text of body) write(text);
        if (guard && done) write('PRAGMA foreign_keys=ON;\n\n');
      }
    }
    for (const s of table.end()) await sink.run(s);
  }
}
