import type { Environment } from '../runtime/environment.js';
import type { MigrationStep } from '../script/revision-map.js';
import { CommandError } from './errors.js';
import { graph, toCommandError } from './resolve.js';

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
    await env.render({ replay, steps, createVersionTable: start.length === 0, dropVersionTable: false });
    return steps;
  }
  env.announce();
  return env.run((m, heads) => {
    checkKnown(m, heads);
    return graph(() => m.planUpgrade(heads, target), true);
  });
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
    const start = graph(() => map.resolve(from), true);
    const replay = graph(() => map.planUpgrade([], from), true);
    const steps = graph(() => map.planDowngrade(start, to), true);
    await env.render({ replay, steps, createVersionTable: false, dropVersionTable: to === 'base' });
    return steps;
  }
  env.announce();
  return env.run((m, heads) => {
    checkKnown(m, heads);
    return graph(() => m.planDowngrade(heads, target), true);
  });
}

/** A database stamped with a revision the files do not have cannot be planned from. */
function checkKnown(map: { get(id: string): unknown }, heads: string[]): void {
  for (const h of heads) {
    if (!map.get(h)) throw new CommandError(`Can't locate revision identified by '${h}'`, true);
  }
}

/**
 * `stamp REV [--purge] [--sql]`: moves the version table to REV without running any revision.
 * `--purge` first empties it, the way out of a database stamped with an unknown revision.
 */
export async function stamp(
  env: Environment,
  target: string,
  opts: { purge?: boolean; sql?: boolean } = {},
): Promise<string[]> {
  const map = await env.script.map();
  const describe = (from: string[], to: string[]) => `stamp_revision ${from.join(', ')} -> ${to.join(', ')}`;
  if (opts.sql) {
    env.announce(true);
    await env.load();
    const next = graph(() => map.stampHeads([], target), true);
    const sink: string[] = [];
    for (const s of env.versionTable.createStatements()) sink.push(`${s};\n\n`);
    env.output.stdout(sink.join(''));
    env.output.info('expireeye.runtime.migration', `Running ${describe([], next)}`);
    env.output.stdout(`-- Running ${describe([], next)}\n\n`);
    for (const id of next) {
      for (const s of env.versionTable.changeStatements({ kind: 'insert', to: id }))
        env.output.stdout(`${s};\n\n`);
    }
    return next;
  }
  env.announce();
  return env.locked(async (conn) => {
    if (!(await env.versionTable.exists(conn))) await env.versionTable.create(conn);
    let heads = await env.versionTable.heads(conn);
    if (opts.purge) {
      await env.applyVersionChanges(
        conn,
        heads.map((h) => ({ kind: 'delete' as const, from: h })),
      );
      heads = [];
    }
    checkKnown(map, heads);
    let next: string[];
    try {
      next = map.stampHeads(heads, target);
    } catch (e) {
      throw toCommandError(e, true);
    }
    const removed = heads.filter((h) => !next.includes(h));
    const added = next.filter((h) => !heads.includes(h));
    if (removed.length === 0 && added.length === 0) return next;
    env.output.info('expireeye.runtime.migration', `Running ${describe(removed, added)}`);
    const changes = [];
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const from = removed[i];
      const to = added[i];
      if (from && to) changes.push({ kind: 'update' as const, from, to });
      else if (from) changes.push({ kind: 'delete' as const, from });
      else if (to) changes.push({ kind: 'insert' as const, to });
    }
    await env.applyVersionChanges(conn, changes);
    return next;
  });
}
