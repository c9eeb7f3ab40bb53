import type { Environment } from '../runtime/environment.js';
import { LOG } from '../runtime/output.js';
import type { MigrationStep } from '../script/migration-step.js';
import type { RevisionMap } from '../script/revision-map.js';
import { CommandError } from './errors.js';
import { offlineTransaction } from './offline-transaction.js';
import { checkKnownHeads, graph } from './resolve.js';

export interface MigrateOptions {
  /** Offline: print the SQL script instead of connecting. */
  sql?: boolean;
}

/** Splits `from:to` for offline mode. */
function splitRange(target: string): [string | undefined, string] {
  const i = target.indexOf(':');
  return i < 0 ? [undefined, target] : [target.slice(0, i), target.slice(i + 1)];
}

/** `upgrade TARGET [--sql]`. Online, the plan is made under the migration lock. */
export async function upgrade(
  env: Environment,
  target: string,
  opts: MigrateOptions = {},
): Promise<MigrationStep[]> {
  const map = await env.script.map();
  if (opts.sql) {
    const [from, to] = splitRange(target);
    env.announce(true);
    const start = from && from !== 'base' ? graph(() => map.resolve(from), true) : [];
    const replay = graph(() => (start.length ? map.planUpgrade([], from!) : []), true);
    const steps = graph(() => map.planUpgrade(start, to), true);
    await env.render({ replay, steps, startHeads: start });
    return steps;
  }
  env.announce();
  return env.run((m, heads) => {
    checkKnownHeads(m, heads);
    return graph(() => m.planUpgrade(heads, target), true);
  });
}

/** Where planning warnings go: Alembic's Python warnings, printed as WARN lines. */
function warnings(env: Environment) {
  return (message: string) => env.output.warn(LOG.revision, message);
}

/** `downgrade TARGET [--sql]`; offline it needs an explicit `from:to`. */
export async function downgrade(
  env: Environment,
  target: string,
  opts: MigrateOptions = {},
): Promise<MigrationStep[]> {
  const map = await env.script.map();
  if (opts.sql) {
    const [from, to] = splitRange(target);
    if (from === undefined) throw new CommandError('downgrade with --sql requires <fromrev>:<torev>');
    env.announce(true);
    // Unlike Alembic, which refuses a start of several revisions offline, `heads:TARGET` writes
    // the script for a database at every head; `heads:-1` warns as it does online.
    const start = graph(() => map.resolve(from), true);
    const replay = graph(() => map.planUpgrade([], from), true);
    const steps = graph(() => map.planDowngrade(start, to, warnings(env)), true);
    await env.render({ replay, steps, startHeads: start });
    return steps;
  }
  env.announce();
  return env.run((m, heads) => {
    checkKnownHeads(m, heads);
    return graph(() => m.planDowngrade(heads, target, warnings(env)), true);
  });
}

/**
 * `stamp [FROM:]REV... --sql`: the version-table statements of the stamp as a script. Offline there
 * is no table to read, so the rows start at FROM (Alembic's starting revision: one revision, or
 * `base`, the same for every target) or empty; the table is created and dropped around them as for
 * an upgrade script.
 */
async function stampScript(
  env: Environment,
  map: RevisionMap,
  targets: readonly string[],
): Promise<string[]> {
  let from: string | undefined;
  const to = targets.map((target) => {
    const [start, dest] = splitRange(target);
    if (start !== undefined && from !== undefined && start !== from) {
      throw new CommandError('Stamp operation with --sql only supports a single starting revision at a time');
    }
    from ??= start;
    return dest;
  });
  env.announce(true);
  await env.load();
  const start = from && from !== 'base' ? [graph(() => map.resolveOne(from!), true)!] : [];
  const steps = graph(() => map.planStamp(start, to), true);
  const table = env.versionTable.script(start);
  const write = (statements: string[]) => {
    for (const s of statements) env.output.stdout(`${s};\n\n`);
  };
  // One transaction, as the online stamp is, where Alembic writes one (PostgreSQL).
  await offlineTransaction(env, () => {
    for (const step of steps) {
      write(table.beforeStep());
      env.output.info(LOG.migration, `Running ${step.describe}`);
      env.output.stdout(`-- Running ${step.describe}\n\n`);
      write(table.changeStatements(step.versionChanges));
    }
    write(table.end());
  });
  return graph(() => map.stampHeads(start, to), true);
}

/**
 * `stamp REV... [--purge] [--sql]`: moves the version table to REV (or to several revisions, the
 * heads of several branches) without running any revision.
 * `--purge` first empties it, the way out of a database stamped with an unknown revision.
 */
export async function stamp(
  env: Environment,
  target: string | readonly string[],
  opts: { purge?: boolean; sql?: boolean } = {},
): Promise<string[]> {
  const map = await env.script.map();
  if (opts.sql) {
    if (opts.purge) {
      // Alembic refuses it once the context is set up: after the INFO lines, logged.
      env.announce(true);
      throw new CommandError("Can't use --purge with --sql mode", true);
    }
    return stampScript(env, map, typeof target === 'string' ? [target] : target);
  }
  env.announce();
  return env.locked(async (conn) => {
    await env.ensureVersionTable(conn);
    // One transaction, as Alembic's: a purge whose target then turns out unknown, or a process
    // killed between the purge and the new rows, leaves the table as it was rather than empty.
    return env.atomically(conn, async () => {
      let heads = await env.versionTable.heads(conn);
      if (opts.purge) {
        await env.applyVersionChanges(
          conn,
          heads.map((h) => ({ kind: 'delete' as const, from: h })),
        );
        heads = [];
      }
      checkKnownHeads(map, heads);
      // The graph plans the version-table changes (which rows a target replaces), as for upgrades.
      const steps = graph(() => map.planStamp(heads, target), true);
      for (const step of steps) {
        env.output.info(LOG.migration, `Running ${step.describe}`);
        await env.applyVersionChanges(conn, step.versionChanges);
      }
      return env.versionTable.heads(conn);
    });
  });
}
