import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { connect, type DatabaseUrl, type DialectName, type SchemaDef } from '../migrate/index.js';
import { type Database, metadata } from '../models/index.js';
import { ConnectionUsage } from './connection-usage.js';
import { DatabaseDeadline } from './database-deadline.js';
import { isDatabaseUnavailable } from './errors.js';

/** The application's database handle: a typed Kysely instance and the dialect it speaks. */
export interface AppDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  readonly url: DatabaseUrl;
  /** Resolves once no pooled connection has been in use for `quietMs` in a row. */
  idle(quietMs: number): Promise<void>;
  /**
   * Runs `work` with each of its statements bounded by `ms` (undefined: unbounded) instead of
   * the pool's `timeoutMs`: the expiry sweep's chunks may take longer than a request's statements.
   * `setting` is what its timeout errors name (the setting `ms` comes from).
   */
  withStatementTimeout<T>(ms: number | undefined, work: () => Promise<T>, setting?: string): Promise<T>;
  /**
   * A new deadline of `timeoutMs` for a unit of work (a request): its waits for connections and
   * its statements share it. Work outside any deadline has the bound for each wait and statement.
   */
  deadline(): DatabaseDeadline;
  destroy(): Promise<void>;
}

export interface OpenOptions {
  /** Pool size for MySQL/PostgreSQL. */
  poolSize?: number;
  /** Called once per executed query (tests count queries with it). */
  onQuery?: (sql: string) => void;
  /** An idle pooled connection died; the pool replaces it (see ConnectOptions). */
  onIdleConnectionError?: (error: Error) => void;
  /**
   * MySQL/PostgreSQL: how long connecting, waiting for a pooled connection, and each statement
   * may take before failing with ETIMEDOUT (a 503) — under a `deadline()`, all of a unit's waits
   * and statements together; undefined or 0: no bound.
   */
  timeoutMs?: number | undefined;
  /**
   * The setting `timeoutMs` comes from (`DB_TIMEOUT_SECONDS`): a timeout's error names it and its
   * value, not the milliseconds that were left of a deadline. Unset: the error gives those.
   */
  timeoutSetting?: string | undefined;
}

/**
 * Opens the database with the engine's driver settings (UTC, DATE as 'YYYY-MM-DD', numbers) and
 * a plugin that makes values identical on every dialect: see {@link ValueNormalizer}.
 */
export async function openDatabase(url: DatabaseUrl, options: OpenOptions = {}): Promise<AppDatabase> {
  const usage = new ConnectionUsage();
  const bound = options.timeoutMs || undefined;
  const statementBound = new AsyncLocalStorage<{ ms: number | undefined; setting: string | undefined }>();
  const deadlines = new AsyncLocalStorage<DatabaseDeadline>();
  // The bound of what is about to wait: the sweep's own (SWEEP_STATEMENT_TIMEOUT_SECONDS) inside
  // withStatementTimeout — for its statements whatever `timeoutMs` is, 0 included; a wait for a
  // connection is also held to `acquireMs` (the pool's own bound: waitBound) — else what is left
  // of the request's deadline, else `timeoutMs`.
  const current = () => {
    const own = statementBound.getStore();
    return own ? own.ms : (deadlines.getStore()?.remaining() ?? bound);
  };
  // What a timeout names: the setting whose bound ran out, and its value.
  const boundName = () => {
    const own = statementBound.getStore();
    const [setting, ms] = own ? [own.setting, own.ms] : [options.timeoutSetting, bound];
    return setting && ms ? `${setting} (${ms / 1000} s)` : undefined;
  };
  const raw = (await connect(url, {
    poolSize: options.poolSize ?? 10,
    wrapDialect: (dialect) => usage.wrap(dialect),
    ...(options.onIdleConnectionError ? { onIdleConnectionError: options.onIdleConnectionError } : {}),
    timeouts: { acquireMs: bound, waitMs: current, statementMs: current, boundName },
  })) as Kysely<Database>;
  let db = raw;
  const normalizer = ValueNormalizer.for(url.dialect, metadata.schema());
  if (normalizer) db = db.withPlugin(normalizer);
  if (options.onQuery) db = db.withPlugin(new QueryCounter(options.onQuery));
  return {
    db,
    dialect: url.dialect,
    url,
    idle: (quietMs) => usage.idle(quietMs),
    withStatementTimeout: (ms, work, setting) => statementBound.run({ ms, setting }, work),
    deadline: () => new DatabaseDeadline(deadlines, bound ?? 0),
    // A pool's end waits for its connections' goodbyes, which a database that stopped answering
    // never acknowledges: bounded like everything else, so that shutting down can finish. Nor is
    // a connection that failed to connect meanwhile (mysql2 reports it from `end`) a failure of it.
    destroy: () => {
      const ended = raw.destroy().catch((e: unknown) => {
        if (!isDatabaseUnavailable(e)) throw e;
      });
      return bound ? Promise.race([ended, sleep(bound)]) : ended;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Column names of one kind across all tables; a name used with two kinds is refused. */
export function columnKinds(schema: SchemaDef): { booleans: Set<string>; timestamps: Set<string> } {
  const kinds = new Map<string, string>();
  for (const table of schema.tables) {
    for (const c of table.columns) {
      const kind = c.type === 'boolean' ? 'boolean' : c.type === 'timestamp' ? 'timestamp' : 'other';
      const seen = kinds.get(c.name);
      if (seen && seen !== kind) {
        throw new Error(
          `Column name '${c.name}' is a ${seen} in one table and a ${kind} in another (in '${table.name}'); the value normaliser maps by column name, so give it another name`,
        );
      }
      kinds.set(c.name, kind);
    }
  }
  const booleans = new Set<string>();
  const timestamps = new Set<string>();
  for (const [name, kind] of kinds) {
    if (kind === 'boolean') booleans.add(name);
    if (kind === 'timestamp') timestamps.add(name);
  }
  return { booleans, timestamps };
}

function parseSqliteTimestamp(v: string): Date {
  const iso = v.includes('T') ? v : v.replace(' ', 'T');
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
}

/**
 * A timestamp SQLite holds as a number (written by hand or by another program; the application
 * writes text): Unix seconds, as SQLite's own `'unixepoch'` reads it, or milliseconds when it is
 * too large for seconds (after the year 5138).
 */
function unixTime(v: number): Date {
  return new Date(Math.abs(v) < 1e11 ? v * 1000 : v);
}

/**
 * What the drivers disagree on in results (that SQLite cannot bind a Date or a boolean is fixed
 * where the engine calls the driver: migrate/runtime/sqlite-bindings.ts):
 * - SQLite returns timestamps as text (or a number, if one was stored) and booleans as 0/1, MySQL returns BOOL as 0/1: result
 *   columns whose name is a timestamp/boolean column in the models come back as Date/boolean.
 * PostgreSQL needs nothing. Cost: per result, the keys of the first row intersected with the
 * known names.
 */
export class ValueNormalizer implements KyselyPlugin {
  private constructor(
    readonly dialect: DialectName,
    private readonly booleans: Set<string>,
    private readonly timestamps: Set<string>,
  ) {}

  static for(dialect: DialectName, schema: SchemaDef): ValueNormalizer | undefined {
    if (dialect === 'postgres') return undefined;
    const { booleans, timestamps } = columnKinds(schema);
    return new ValueNormalizer(dialect, booleans, dialect === 'sqlite' ? timestamps : new Set());
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const rows = args.result.rows;
    const first = rows[0];
    if (!first) return args.result;
    const bools: string[] = [];
    const times: string[] = [];
    for (const key of Object.keys(first)) {
      if (this.booleans.has(key)) bools.push(key);
      else if (this.timestamps.has(key)) times.push(key);
    }
    if (bools.length === 0 && times.length === 0) return args.result;
    for (const row of rows) {
      for (const k of bools) {
        const v = row[k];
        if (typeof v === 'number' || typeof v === 'bigint') row[k] = Number(v) !== 0;
      }
      for (const k of times) {
        const v = row[k];
        if (typeof v === 'string') row[k] = parseSqliteTimestamp(v);
        else if (typeof v === 'number') row[k] = unixTime(v);
      }
    }
    return args.result;
  }
}

/** Reports each executed query. */
class QueryCounter implements KyselyPlugin {
  constructor(private readonly onQuery: (sql: string) => void) {}
  private readonly pending = new WeakMap<object, string>();
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.pending.set(args.queryId, args.node.kind);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.onQuery(this.pending.get(args.queryId) ?? 'query');
    return args.result;
  }
}
