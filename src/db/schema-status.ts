import { upgrade } from '../migrate/commands/upgrade.js';
import { displayUrl, Environment, type Output } from '../migrate/index.js';
import type { AppDatabase } from './database.js';
import { migrationConfig } from './migration-config.js';

export interface SchemaState {
  /** The revisions the code's migrations end at. */
  head: string[];
  /** The revisions recorded in the database ([] when never migrated). */
  current: string[];
  atHead: boolean;
}

export interface DatabaseHealth {
  reachable: boolean;
  atHead: boolean | null;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Where the database stands against the code's migrations, through the migration engine. The
 * status route asks often: answers are cached for `ttlMs`, and concurrent askers share one look-up.
 */
export class SchemaStatus {
  readonly env: Environment;
  private headPromise?: Promise<string[]>;
  private cached?: { at: number; value: Promise<DatabaseHealth> };

  constructor(
    private readonly database: AppDatabase,
    output: Output,
    private readonly ttlMs = 2000,
    env: NodeJS.ProcessEnv = process.env,
    /** How long a health check may wait for the database before it says unreachable (0: no bound). */
    private readonly timeoutMs = 0,
  ) {
    this.env = new Environment({ ...migrationConfig(env), database: () => database.url }, output);
  }

  head(): Promise<string[]> {
    this.headPromise ??= this.env.script.map().then((m) => [...m.heads]);
    return this.headPromise;
  }

  async state(): Promise<SchemaState> {
    const [head, current] = await Promise.all([this.head(), this.env.currentHeads(this.database.db)]);
    return { head, current, atHead: sameSet(head, current) };
  }

  /** Brings the database to head with the engine (its own connection, under its lock). */
  async upgradeToHead(): Promise<void> {
    try {
      await upgrade(this.env, 'head');
    } finally {
      await this.env.close();
    }
    this.cached = undefined;
  }

  /** Reachability and at-head, cached briefly. Never throws. */
  health(now = Date.now()): Promise<DatabaseHealth> {
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    // Its own bound: the pool's bounds a statement and a wait for a connection each, and a
    // health check must answer even while every pooled connection is held by a stalled request.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      if (this.timeoutMs) timer = setTimeout(() => reject(new Error('no answer in time')), this.timeoutMs);
    });
    const value = Promise.race([this.state(), late]).then(
      (s) => ({ reachable: true, atHead: s.atHead }),
      () => ({ reachable: false, atHead: null }),
    );
    void value.finally(() => clearTimeout(timer));
    this.cached = { at: now, value };
    return value;
  }

  get displayUrl(): string {
    return displayUrl(this.database.url);
  }
}
