import type { Environment } from '../runtime/environment.js';
import type { RevisionMap } from '../script/revision-map.js';
import { CommandError } from './errors.js';
import { formatLine, formatVerbose } from './format.js';
import { checkKnownHeads, graph } from './resolve.js';

/**
 * The database's revisions, read the way `current` and `show current` do: announced as the
 * database is reached, and an unknown one is Alembic's "Can't locate revision".
 */
async function databaseRevisions(env: Environment, map: RevisionMap): Promise<string[]> {
  env.announce();
  const heads = await env.currentHeads();
  checkKnownHeads(map, heads);
  return heads;
}

/**
 * `current [-v]`: the revision(s) the database is at (Alembic leaves out the branch labels). As in
 * Alembic, that is more than the version table's rows when a row depends on another branch: the
 * depended-on revision has no row of its own (its dependant's row stands for it) but is applied,
 * so a head that is only depended on is listed too, as an "(effective head)".
 */
export async function current(env: Environment, opts: { verbose?: boolean } = {}): Promise<string[]> {
  const map = await env.script.map();
  const heads = map.allCurrent(await databaseRevisions(env, map));
  if (opts.verbose) env.output.stdout(`Current revision(s) for ${env.displayUrl}:\n`);
  for (const h of heads) {
    const rev = map.get(h)!;
    env.output.stdout(
      opts.verbose ? formatVerbose(map, rev) : `${formatLine(map, rev, { labels: false })}\n`,
    );
  }
  return heads;
}

/** `heads [-v]`: the revisions nothing builds on yet. */
export async function heads(env: Environment, opts: { verbose?: boolean } = {}): Promise<string[]> {
  const map = await env.script.map();
  for (const h of map.heads) {
    const rev = map.get(h)!;
    env.output.stdout(opts.verbose ? formatVerbose(map, rev) : `${formatLine(map, rev, { tree: false })}\n`);
  }
  return map.heads;
}

/** `branches [-v]`: each branch point with the revisions it branches into. */
export async function branches(env: Environment, opts: { verbose?: boolean } = {}): Promise<void> {
  const map = await env.script.map();
  for (const rev of map.all()) {
    if (!map.isBranchPoint(rev.revision)) continue;
    env.output.stdout(opts.verbose ? formatVerbose(map, rev) : `${formatLine(map, rev)}\n`);
    const pad = ' '.repeat(rev.revision.length);
    for (const child of map.children(rev.revision)) {
      const c = map.get(child)!;
      env.output.stdout(`${pad} -> ${formatLine(map, c, { doc: !!opts.verbose })}\n`);
    }
    env.output.stdout('\n');
  }
}

/** `show REV`: one revision in full; `show current` reads the database. */
export async function show(env: Environment, target: string): Promise<void> {
  const map = await env.script.map();
  const ids = target === 'current' ? await databaseRevisions(env, map) : graph(() => map.resolve(target));
  for (const id of ids) env.output.stdout(formatVerbose(map, map.get(id)!));
}

/**
 * The ends of a `history` range as the revision map takes them, `current` replaced as Alembic's
 * `history` replaces it: an upper `current` is every row of the version table (none: the heads)
 * and leaves the lower end as typed (so `current:current` is an unknown revision 'current');
 * otherwise a lower `current` is every row (none: base). Everything else is left to the map, which
 * reads `base`, `head` and `heads` on either side as Alembic does: `:head` fails when there are
 * several heads rather than meaning `heads`, and `base:base` lists nothing.
 */
function rangeEnds(
  lo: string,
  up: string,
  rows: readonly string[],
): [string | readonly string[] | undefined, string | readonly string[] | undefined] {
  const rowsOr = (none: undefined) => (rows.length > 0 ? rows : none);
  if (up === 'current') return [lo || undefined, rowsOr(undefined)];
  if (lo === 'current') return [rowsOr(undefined), up || undefined];
  return [lo || undefined, up || undefined];
}

/**
 * `history [-r RANGE] [-v] [-i]`: newest first. RANGE is `lower:upper`; either side may be left
 * out, and each may be an id or prefix, `base`, `head`/`heads`, `current` or a relative form
 * (`-N`, `+N`, `REV+N`, `label@-N`). (current) is marked only with -i, as in Alembic.
 */
export async function history(
  env: Environment,
  opts: { range?: string; verbose?: boolean; indicateCurrent?: boolean } = {},
): Promise<void> {
  const map = await env.script.map();
  let currentHeads: string[] = [];
  const needsDb = opts.indicateCurrent || /(^|:)current($|:)/.test(opts.range ?? '');
  if (needsDb) {
    env.announce();
    currentHeads = (await env.currentHeads()).filter((h) => map.get(h));
  }
  let lower: string | readonly string[] | undefined;
  let upper: string | readonly string[] | undefined;
  if (opts.range) {
    if (!opts.range.includes(':')) {
      throw new CommandError('History range requires [start]:[end], [start]:, or :[end]');
    }
    const [lo, up] = opts.range.split(':') as [string, string];
    [lower, upper] = rangeEnds(lo, up, currentHeads);
  }
  // Once the environment ran (the range names `current`, or -i), an error is logged as well.
  const revs = graph(() => map.history(lower, upper), needsDb);
  // Alembic marks (current) only with -i, even when the range names 'current'.
  const cur = new Set(opts.indicateCurrent ? currentHeads : []);
  for (const rev of revs) {
    env.output.stdout(
      opts.verbose
        ? formatVerbose(map, rev, { current: cur })
        : `${formatLine(map, rev, { current: cur, parents: true, doc: true })}\n`,
    );
  }
}
