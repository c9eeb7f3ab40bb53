import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { type MigrationStep, shortLog, type VersionChange } from '../../src/migrate/script/migration-step.js';
import type { Revision } from '../../src/migrate/script/revision.js';
import {
  MultipleHeadsError,
  ResolutionError,
  RevisionError,
} from '../../src/migrate/script/revision-errors.js';
import { RevisionMap } from '../../src/migrate/script/revision-map.js';

// ---------------------------------------------------------------- fixtures

interface RevOptions {
  deps?: string[];
  labels?: string[];
  message?: string;
}

function rev(id: string, down: string[] = [], opts: RevOptions = {}): Revision {
  return {
    revision: id,
    downRevisions: down,
    dependsOn: opts.deps ?? [],
    branchLabels: opts.labels ?? [],
    message: opts.message ?? id,
    doc: `${opts.message ?? id}\n\nRevision ID: ${id}\nRevises: ${down.join(', ')}\n`,
    path: `/project/migrations/versions/${id}.py`,
  };
}

// The ids of the reference session (alembic-behaviour.md §3.6–3.14).
const INITIAL = '521309cc5b4e';
const SECOND = '6e112f8a28d6';
const THIRD = 'abcd1111aaaa';
const FOURTH = 'abcd2222bbbb';
const FEATURE_A = '4b0cc052b1d7';
const FEATURE_B = '4dc7cae0efa7';
const MERGE = 'c90d49cadc6e';
const SECOND_MSG = 'add display_name, expiry index, category not null';

function linear(): Revision[] {
  return [rev(INITIAL, [], { message: 'initial' }), rev(SECOND, [INITIAL], { message: SECOND_MSG })];
}

/** initial → second → third → fourth → {feature a, feature b} (→ merge). */
function reference(withMerge: boolean): Revision[] {
  return [
    ...linear(),
    rev(THIRD, [SECOND], { message: 'third' }),
    rev(FOURTH, [THIRD], { message: 'fourth' }),
    rev(FEATURE_A, [FOURTH], { message: 'feature a' }),
    rev(FEATURE_B, [FOURTH], { message: 'feature b' }),
    ...(withMerge ? [rev(MERGE, [FEATURE_B, FEATURE_A], { message: 'merge' })] : []),
  ];
}

function chain(n: number): Revision[] {
  const out: Revision[] = [];
  for (let i = 0; i < n; i++) {
    out.push(rev(`r${String(i).padStart(6, '0')}`, i === 0 ? [] : [`r${String(i - 1).padStart(6, '0')}`]));
  }
  return out;
}

/** Apply version-table statements strictly: every UPDATE/DELETE must hit a row, no duplicate rows. */
function apply(rows: readonly string[], changes: readonly VersionChange[]): string[] {
  const out = [...rows];
  for (const c of changes) {
    if (c.kind === 'insert') {
      assert.ok(!out.includes(c.to!), `insert of existing row ${c.to}`);
      out.push(c.to!);
    } else if (c.kind === 'delete') {
      const k = out.indexOf(c.from!);
      assert.ok(k >= 0, `delete of missing row ${c.from}`);
      out.splice(k, 1);
    } else {
      const k = out.indexOf(c.from!);
      assert.ok(k >= 0, `update of missing row ${c.from}`);
      assert.ok(!out.includes(c.to!), `update to existing row ${c.to}`);
      out[k] = c.to!;
    }
  }
  return out;
}

function run(rows: readonly string[], steps: readonly MigrationStep[]): string[] {
  return steps.reduce<string[]>((r, s) => apply(r, s.versionChanges), [...rows]);
}

const ids = (steps: readonly { revision: Revision }[]) => steps.map((s) => s.revision.revision);
const revIds = (revs: readonly Revision[]) => revs.map((r) => r.revision);
const sorted = (a: readonly string[]) => [...a].sort();

function throwsRevision(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RevisionError, `expected RevisionError, got ${String(e)}`);
    assert.equal(e.message, message);
    return true;
  });
}

function throwsResolution(fn: () => unknown, argument: string, message?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ResolutionError, `expected ResolutionError, got ${String(e)}`);
    assert.equal(e.argument, argument);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

const multipleHeads = (arg: string) =>
  `Multiple head revisions are present for given argument '${arg}'; please specify a specific target revision, ` +
  `'<branchname>@${arg}' to narrow to a specific head, or 'heads' for all heads`;
const MULTIPLE_HEADS = multipleHeads('head');

// ---------------------------------------------------------------- construction

describe('RevisionMap construction', () => {
  it('computes heads, bases, children and point kinds', () => {
    const map = new RevisionMap(reference(true));
    assert.deepEqual(map.heads, [MERGE]);
    assert.deepEqual(map.bases, [INITIAL]);
    assert.equal(map.size, 7);
    assert.deepEqual(map.children(FOURTH), [FEATURE_A, FEATURE_B]);
    assert.deepEqual(map.children(MERGE), []);
    assert.equal(map.isBranchPoint(FOURTH), true);
    assert.equal(map.isBranchPoint(THIRD), false);
    assert.equal(map.isMergePoint(MERGE), true);
    assert.equal(map.isMergePoint(FEATURE_A), false);
    assert.equal(map.isHead(MERGE), true);
    assert.equal(map.isHead(FEATURE_A), false);
    assert.equal(map.isBase(INITIAL), true);
    assert.equal(map.get(THIRD)?.message, 'third');
    assert.equal(map.get('abcd'), undefined, 'get() takes exact ids only');
    assert.deepEqual(
      map.all().map((r) => r.revision),
      reference(true).map((r) => r.revision),
    );
    throwsResolution(() => map.children('nope'), 'nope');
  });

  it('keeps input order for several heads', () => {
    const map = new RevisionMap(reference(false));
    assert.deepEqual(map.heads, [FEATURE_A, FEATURE_B]);
  });

  it('an empty map has no heads or bases', () => {
    const map = new RevisionMap([]);
    assert.deepEqual(map.heads, []);
    assert.deepEqual(map.bases, []);
    assert.deepEqual(map.resolve('head'), []);
    assert.deepEqual(map.resolve('heads'), []);
    assert.deepEqual(map.planUpgrade([], 'head'), []);
    assert.deepEqual(map.history(), []);
  });

  it('depends_on makes no children', () => {
    const map = new RevisionMap([rev('c1aa'), rev('d1aa'), rev('d2aa', ['d1aa'], { deps: ['c1aa'] })]);
    assert.deepEqual(map.heads, ['c1aa', 'd2aa']);
    assert.deepEqual(map.bases, ['c1aa', 'd1aa']);
    assert.deepEqual(map.children('c1aa'), []);
    // `heads` as an argument means the heads nothing depends on (Alembic's _real_heads).
    assert.deepEqual(map.resolve('heads'), ['d2aa']);
    assert.equal(map.isAncestor('c1aa', 'd2aa'), true);
  });

  it('rejects duplicate ids', () => {
    throwsRevision(
      () => new RevisionMap([rev('aaaa'), rev('aaaa')]),
      'Revision aaaa is present more than once',
    );
  });

  it('rejects missing down revisions and dependencies', () => {
    throwsRevision(
      () => new RevisionMap([rev('aaaa'), rev('bbbb', ['zzzz'])]),
      'Revision zzzz referenced from bbbb is not present',
    );
    throwsRevision(
      () => new RevisionMap([rev('aaaa'), rev('bbbb', ['aaaa'], { deps: ['yyyy'] })]),
      'Revision yyyy referenced from bbbb is not present',
    );
  });

  it('rejects cycles and self-loops', () => {
    throwsRevision(
      () => new RevisionMap([rev('aaaa'), rev('bbbb', ['cccc']), rev('cccc', ['bbbb'])]),
      'Cycle is detected in revisions (bbbb, cccc)',
    );
    throwsRevision(
      () => new RevisionMap([rev('aaaa'), rev('bbbb', ['aaaa'], { deps: ['cccc'] }), rev('cccc', ['bbbb'])]),
      'Dependency cycle is detected in revisions (bbbb, cccc)',
    );
    throwsRevision(
      () => new RevisionMap([rev('aaaa', ['aaaa'])]),
      'Self-loop is detected in revisions (aaaa)',
    );
    throwsRevision(
      () => new RevisionMap([rev('aaaa', [], { deps: ['aaaa'] })]),
      'Dependency self-loop is detected in revisions (aaaa)',
    );
  });

  it('rejects illegal characters and reused branch names', () => {
    throwsRevision(
      () => new RevisionMap([rev('ab-c@d')]),
      "Character(s) '-, @' not allowed in revision identifier 'ab-c@d'",
    );
    throwsRevision(
      () => new RevisionMap([rev('aaaa', [], { labels: ['x'] }), rev('bbbb', ['aaaa'], { labels: ['x'] })]),
      "Branch name 'x' in revision bbbb already used by revision aaaa",
    );
    throwsRevision(
      () => new RevisionMap([rev('aaaa'), rev('bbbb', ['aaaa'], { labels: ['aaaa'] })]),
      "Branch name 'aaaa' in revision bbbb already used by revision aaaa",
    );
  });
});

// ---------------------------------------------------------------- resolution

describe('RevisionMap.resolve', () => {
  const map = new RevisionMap(reference(true));
  const twoHeads = new RevisionMap(reference(false));

  it('resolves full ids and unique prefixes of any length', () => {
    assert.deepEqual(map.resolve(INITIAL), [INITIAL]);
    assert.deepEqual(map.resolve('5'), [INITIAL]);
    assert.deepEqual(map.resolve('521'), [INITIAL]);
    assert.deepEqual(map.resolve('abcd1'), [THIRD]);
    assert.deepEqual(map.resolve('c'), [MERGE]);
    assert.equal(map.resolveOne('6e11'), SECOND);
  });

  it('reports ambiguous prefixes', () => {
    throwsResolution(
      () => map.resolve('abcd'),
      'abcd',
      "Multiple revisions start with 'abcd': 'abcd1111aaaa', 'abcd2222bbbb'...",
    );
    throwsResolution(
      () => map.resolve('a'),
      'a',
      "Multiple revisions start with 'a': 'abcd1111aaaa', 'abcd2222bbbb'...",
    );
    throwsResolution(
      () => map.resolve('4'),
      '4',
      "Multiple revisions start with '4': '4b0cc052b1d7', '4dc7cae0efa7'...",
    );
  });

  it('reports unknown identifiers', () => {
    throwsResolution(
      () => map.resolve('xyz'),
      'xyz',
      "No such revision or branch 'xyz'; please ensure at least four characters are present for partial revision identifier matches",
    );
    throwsResolution(
      () => map.resolve('0123456789ab'),
      '0123456789ab',
      "No such revision or branch '0123456789ab'",
    );
    throwsResolution(() => map.resolve(''), '');
  });

  it('ResolutionError is not a RevisionError (the CLI rewords it)', () => {
    try {
      map.resolve('xyz');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof ResolutionError);
      assert.ok(!(e instanceof RevisionError));
    }
  });

  it('matches ids of three characters or fewer only exactly', () => {
    const short = new RevisionMap([rev('abc'), rev('abcdef', ['abc'])]);
    assert.deepEqual(short.resolve('abc'), ['abc']);
    assert.deepEqual(short.resolve('ab'), ['abcdef']);
  });

  it('resolves head, heads and base', () => {
    assert.deepEqual(map.resolve('head'), [MERGE]);
    assert.deepEqual(map.resolve('heads'), [MERGE]);
    assert.deepEqual(map.resolve('base'), []);
    assert.equal(map.resolveOne('base'), undefined);
    assert.deepEqual(twoHeads.resolve('heads'), [FEATURE_A, FEATURE_B]);
  });

  it("'head' with several heads is a RevisionError with Alembic's wording", () => {
    assert.throws(
      () => twoHeads.resolve('head'),
      (e: unknown) => {
        assert.ok(e instanceof MultipleHeadsError);
        assert.ok(e instanceof RevisionError);
        assert.equal(e.message, MULTIPLE_HEADS);
        assert.deepEqual(e.heads, [FEATURE_A, FEATURE_B]);
        return true;
      },
    );
    throwsRevision(() => twoHeads.resolveOne('heads'), multipleHeads('heads'));
  });

  it('resolves rev@head to the head above that revision', () => {
    assert.deepEqual(twoHeads.resolve(`${FEATURE_A}@head`), [FEATURE_A]);
    assert.deepEqual(twoHeads.resolve('4dc7@head'), [FEATURE_B]);
    assert.deepEqual(twoHeads.resolve(`${THIRD}@heads`), [FEATURE_A, FEATURE_B]);
    throwsRevision(() => twoHeads.resolve(`${THIRD}@head`), multipleHeads(`${THIRD}@head`));
  });

  it('resolves -N below the heads', () => {
    const lin = new RevisionMap(reference(false).slice(0, 4));
    assert.deepEqual(lin.resolve('-1'), [THIRD]);
    assert.deepEqual(lin.resolve('-3'), [INITIAL]);
    assert.deepEqual(lin.resolve('-4'), []);
    throwsRevision(() => lin.resolve('-5'), "Relative revision -5 didn't produce 5 migrations");
  });
});

// ---------------------------------------------------------------- linear upgrade / downgrade

describe('planUpgrade / planDowngrade on a chain', () => {
  const map = new RevisionMap(linear());

  it('upgrades from an empty database', () => {
    const steps = map.planUpgrade([], 'head');
    assert.deepEqual(
      steps.map((s) => s.describe),
      [`upgrade  -> ${INITIAL}, initial`, `upgrade ${INITIAL} -> ${SECOND}, ${SECOND_MSG}`],
    );
    assert.deepEqual(
      steps.map((s) => s.direction),
      ['up', 'up'],
    );
    assert.deepEqual(steps[0]!.versionChanges, [{ kind: 'insert', to: INITIAL }]);
    assert.deepEqual(steps[1]!.versionChanges, [{ kind: 'update', from: INITIAL, to: SECOND }]);
    assert.equal(shortLog(steps[0]!), `upgrade  -> ${INITIAL}`);
    assert.equal(steps[1]!.revision, map.get(SECOND));
  });

  it('is a no-op when already there, or when the target is below', () => {
    assert.deepEqual(map.planUpgrade([SECOND], 'head'), []);
    assert.deepEqual(map.planUpgrade([SECOND], 'heads'), []);
    assert.deepEqual(map.planUpgrade([SECOND], INITIAL), []);
    assert.deepEqual(map.planUpgrade([INITIAL], '5213'), []);
    assert.deepEqual(map.planUpgrade([], 'base'), []);
    assert.deepEqual(map.planDowngrade([SECOND], SECOND), []);
    assert.deepEqual(map.planDowngrade([], 'base'), []);
  });

  it('upgrades to a prefix', () => {
    assert.deepEqual(ids(map.planUpgrade([], '521')), [INITIAL]);
    assert.deepEqual(ids(map.planUpgrade([], '6')), [INITIAL, SECOND]);
  });

  it('upgrades +N and REV+N', () => {
    assert.deepEqual(ids(map.planUpgrade([INITIAL], '+1')), [SECOND]);
    assert.deepEqual(ids(map.planUpgrade([], '+1')), [INITIAL]);
    assert.deepEqual(ids(map.planUpgrade([], '+2')), [INITIAL, SECOND]);
    assert.deepEqual(ids(map.planUpgrade([], `${INITIAL}+1`)), [INITIAL, SECOND]);
    assert.deepEqual(ids(map.planUpgrade([], 'base+1')), [INITIAL]);
    throwsRevision(() => map.planUpgrade([], `${INITIAL}+5`), 'Walked too far');
  });

  it('relative steps past the ends fail', () => {
    throwsRevision(() => map.planUpgrade([SECOND], '+1'), "Relative revision +1 didn't produce 1 migrations");
    throwsRevision(() => map.planUpgrade([], '+3'), "Relative revision +3 didn't produce 3 migrations");
    throwsRevision(
      () => map.planUpgrade([INITIAL], '-1'),
      "Relative revision -1 didn't produce 1 migrations",
    );
    throwsRevision(() => map.planDowngrade([], '-1'), "Relative revision -1 didn't produce 1 migrations");
    throwsRevision(
      () => map.planDowngrade([INITIAL], '-2'),
      "Relative revision -2 didn't produce 2 migrations",
    );
    throwsRevision(
      () => map.planDowngrade([SECOND], '+1'),
      "Relative revision +1 didn't produce 1 migrations",
    );
    throwsRevision(() => map.planDowngrade([SECOND], `${SECOND}-3`), 'Walked too far');
  });

  it('downgrades -1, -N and REV-N', () => {
    const one = map.planDowngrade([SECOND], '-1');
    assert.deepEqual(
      one.map((s) => s.describe),
      [`downgrade ${SECOND} -> ${INITIAL}, ${SECOND_MSG}`],
    );
    assert.deepEqual(one[0]!.versionChanges, [{ kind: 'update', from: SECOND, to: INITIAL }]);
    assert.equal(one[0]!.direction, 'down');
    assert.equal(shortLog(one[0]!), `downgrade ${SECOND} -> ${INITIAL}`);

    const toBase = map.planDowngrade([INITIAL], '-1');
    assert.deepEqual(
      toBase.map((s) => s.describe),
      [`downgrade ${INITIAL} -> , initial`],
    );
    assert.deepEqual(toBase[0]!.versionChanges, [{ kind: 'delete', from: INITIAL }]);

    assert.deepEqual(ids(map.planDowngrade([SECOND], '-2')), [SECOND, INITIAL]);
    assert.deepEqual(ids(map.planDowngrade([SECOND], `${SECOND}-1`)), [SECOND]);
    assert.deepEqual(ids(map.planDowngrade([SECOND], `${SECOND}-2`)), [SECOND, INITIAL]);
  });

  it('downgrades to base', () => {
    const steps = map.planDowngrade([SECOND], 'base');
    assert.deepEqual(
      steps.map((s) => s.describe),
      [`downgrade ${SECOND} -> ${INITIAL}, ${SECOND_MSG}`, `downgrade ${INITIAL} -> , initial`],
    );
    assert.deepEqual(run([SECOND], steps), []);
  });

  it('refuses a downgrade target above the current revision', () => {
    throwsRevision(
      () => map.planDowngrade([INITIAL], SECOND),
      `Destination ${SECOND} is not a valid downgrade target from current head(s)`,
    );
  });

  it('reports unknown current revisions and targets', () => {
    throwsResolution(() => map.planUpgrade(['f00000000001'], 'head'), 'f00000000001');
    throwsResolution(() => map.planUpgrade([], 'xyz'), 'xyz');
    throwsResolution(() => map.planDowngrade([SECOND], 'xyz'), 'xyz');
  });

  it('omits the message part when the revision has none', () => {
    const bare = new RevisionMap([rev('aaaa', [], { message: '' })]);
    assert.deepEqual(
      bare.planUpgrade([], 'head').map((s) => s.describe),
      ['upgrade  -> aaaa'],
    );
  });
});

// ---------------------------------------------------------------- two heads

describe('two unmerged heads', () => {
  const map = new RevisionMap(reference(false));

  it("'upgrade head' is ambiguous", () => {
    throwsRevision(() => map.planUpgrade([THIRD], 'head'), MULTIPLE_HEADS);
    // Reported with the whole argument, as Alembic does.
    throwsRevision(() => map.planUpgrade([THIRD], 'head-1'), multipleHeads('head-1'));
  });

  it('downgrade -1 from the branch point walks down', () => {
    assert.deepEqual(
      map.planDowngrade([FOURTH], '-1').map((s) => s.describe),
      [`downgrade ${FOURTH} -> ${THIRD}, fourth`],
    );
  });

  it("'upgrade heads' applies the branch point, then each branch", () => {
    const steps = map.planUpgrade([THIRD], 'heads');
    assert.deepEqual(ids(steps), [FOURTH, FEATURE_A, FEATURE_B]);
    assert.deepEqual(
      steps.map((s) => s.versionChanges),
      [
        [{ kind: 'update', from: THIRD, to: FOURTH }],
        [{ kind: 'update', from: FOURTH, to: FEATURE_A }],
        [{ kind: 'insert', to: FEATURE_B }],
      ],
    );
    assert.deepEqual(run([THIRD], steps), [FEATURE_A, FEATURE_B]);
  });

  it('a second branch off a branch point inserts a row', () => {
    const steps = map.planUpgrade([FEATURE_A], FEATURE_B);
    assert.deepEqual(ids(steps), [FEATURE_B]);
    assert.deepEqual(steps[0]!.versionChanges, [{ kind: 'insert', to: FEATURE_B }]);
    assert.deepEqual(map.planUpgrade([FOURTH], FEATURE_B)[0]!.versionChanges, [
      { kind: 'update', from: FOURTH, to: FEATURE_B },
    ]);
  });

  it('rev@head picks one branch', () => {
    assert.deepEqual(ids(map.planUpgrade([THIRD], '4dc7@head')), [FOURTH, FEATURE_B]);
  });

  it('+1 from several current heads is ambiguous', () => {
    throwsRevision(
      () => map.planUpgrade([FEATURE_A, FEATURE_B], '+1'),
      'Ambiguous upgrade from multiple current revisions',
    );
    throwsRevision(() => map.planUpgrade([FOURTH], '+1'), 'Ambiguous walk');
  });

  it('downgrade -1 with two rows walks down from the first one', () => {
    const steps = map.planDowngrade([FEATURE_A, FEATURE_B], '-1');
    assert.deepEqual(ids(steps), [FEATURE_A]);
    // Its parent stays implied by the other row: the row is deleted.
    assert.deepEqual(steps[0]!.versionChanges, [{ kind: 'delete', from: FEATURE_A }]);
    assert.deepEqual(run([FEATURE_A, FEATURE_B], steps), [FEATURE_B]);
  });

  it('downgrading to the branch point removes both branches', () => {
    const steps = map.planDowngrade([FEATURE_A, FEATURE_B], FOURTH);
    assert.deepEqual(ids(steps), [FEATURE_A, FEATURE_B]);
    assert.deepEqual(run([FEATURE_A, FEATURE_B], steps), [FOURTH]);
    assert.deepEqual(run([FEATURE_A, FEATURE_B], map.planDowngrade([FEATURE_A, FEATURE_B], 'base')), []);
  });

  it('upgrade heads when there is nothing left to do', () => {
    assert.deepEqual(map.planUpgrade([FEATURE_B, FEATURE_A], 'heads'), []);
  });

  it('rejects overlapping current rows', () => {
    throwsRevision(
      () => map.planUpgrade([FOURTH, FEATURE_A], 'heads'),
      `Requested revision ${FEATURE_A} overlaps with other requested revisions ${FOURTH}`,
    );
  });
});

// ---------------------------------------------------------------- merge

describe('a merge', () => {
  const map = new RevisionMap(reference(true));

  it("'upgrade heads' from before the branch point: branch point, each branch, merge", () => {
    const steps = map.planUpgrade([THIRD], 'heads');
    assert.deepEqual(
      steps.map((s) => s.describe),
      [
        `upgrade ${THIRD} -> ${FOURTH}, fourth`,
        `upgrade ${FOURTH} -> ${FEATURE_A}, feature a`,
        `upgrade ${FOURTH} -> ${FEATURE_B}, feature b`,
        `upgrade ${FEATURE_B}, ${FEATURE_A} -> ${MERGE}, merge`,
      ],
    );
    assert.deepEqual(
      steps.map((s) => s.versionChanges),
      [
        [{ kind: 'update', from: THIRD, to: FOURTH }],
        [{ kind: 'update', from: FOURTH, to: FEATURE_A }],
        [{ kind: 'insert', to: FEATURE_B }],
        [
          { kind: 'delete', from: FEATURE_B },
          { kind: 'update', from: FEATURE_A, to: MERGE },
        ],
      ],
    );
    assert.deepEqual(run([THIRD], steps), [MERGE]);
    assert.equal(shortLog(steps[3]!), `upgrade ${FEATURE_B}, ${FEATURE_A} -> ${MERGE}`);
  });

  it('the offline 521309cc5b4e:heads statements (§3.14)', () => {
    const changes = map.planUpgrade([INITIAL], 'heads').flatMap((s) => s.versionChanges);
    assert.deepEqual(changes, [
      { kind: 'update', from: INITIAL, to: SECOND },
      { kind: 'update', from: SECOND, to: THIRD },
      { kind: 'update', from: THIRD, to: FOURTH },
      { kind: 'update', from: FOURTH, to: FEATURE_A },
      { kind: 'insert', to: FEATURE_B },
      { kind: 'delete', from: FEATURE_B },
      { kind: 'update', from: FEATURE_A, to: MERGE },
    ]);
  });

  it("'downgrade -1' at a merge point is an ambiguous walk", () => {
    throwsRevision(() => map.planDowngrade([MERGE], '-1'), 'Ambiguous walk');
  });

  it('downgrading to one parent removes only the merge', () => {
    const steps = map.planDowngrade([MERGE], FEATURE_A);
    assert.deepEqual(
      steps.map((s) => s.describe),
      [`downgrade ${MERGE} -> ${FEATURE_B}, ${FEATURE_A}, merge`],
    );
    assert.deepEqual(steps[0]!.versionChanges, [
      { kind: 'insert', to: FEATURE_B },
      { kind: 'update', from: MERGE, to: FEATURE_A },
    ]);
    const rows = run([MERGE], steps);
    assert.deepEqual(sorted(rows), sorted([FEATURE_A, FEATURE_B]));
    assert.deepEqual(ids(map.planDowngrade([MERGE], '4dc7')), [MERGE]);
  });

  it("then 'upgrade head' merges the two rows", () => {
    const steps = map.planUpgrade([FEATURE_B, FEATURE_A], 'head');
    assert.deepEqual(
      steps.map((s) => s.describe),
      [`upgrade ${FEATURE_B}, ${FEATURE_A} -> ${MERGE}, merge`],
    );
    assert.deepEqual(steps[0]!.versionChanges, [
      { kind: 'delete', from: FEATURE_B },
      { kind: 'update', from: FEATURE_A, to: MERGE },
    ]);
  });

  it("'downgrade base' across the merge and the branches (§3.14)", () => {
    const steps = map.planDowngrade([MERGE], 'base');
    assert.deepEqual(
      steps.map((s) => s.describe),
      [
        `downgrade ${MERGE} -> ${FEATURE_B}, ${FEATURE_A}, merge`,
        `downgrade ${FEATURE_B} -> ${FOURTH}, feature b`,
        `downgrade ${FEATURE_A} -> ${FOURTH}, feature a`,
        `downgrade ${FOURTH} -> ${THIRD}, fourth`,
        `downgrade ${THIRD} -> ${SECOND}, third`,
        `downgrade ${SECOND} -> ${INITIAL}, ${SECOND_MSG}`,
        `downgrade ${INITIAL} -> , initial`,
      ],
    );
    assert.deepEqual(steps[1]!.versionChanges, [{ kind: 'delete', from: FEATURE_B }]);
    assert.deepEqual(steps[2]!.versionChanges, [{ kind: 'update', from: FEATURE_A, to: FOURTH }]);
    assert.deepEqual(steps.at(-1)!.versionChanges, [{ kind: 'delete', from: INITIAL }]);
    assert.deepEqual(run([MERGE], steps), []);
  });

  it('REV-1 is an absolute target; REV@-1 stays on that branch', () => {
    const rows = [FEATURE_A, FEATURE_B];
    // FEATURE_B-1 is FOURTH: everything above it goes, both branches.
    assert.deepEqual(ids(map.planDowngrade(rows, `${FEATURE_B}-1`)), [FEATURE_A, FEATURE_B]);
    const steps = map.planDowngrade(rows, `${FEATURE_B}@-1`);
    assert.deepEqual(ids(steps), [FEATURE_B]);
    assert.deepEqual(run(rows, steps), [FEATURE_A]);
  });
});

// ---------------------------------------------------------------- branch labels

describe('branch labels', () => {
  // r1 → r2 → {f1 (label feat) → f2, o1 → o2}; x1 (label x, own root) → x2
  const revisions = [
    rev('r1aa'),
    rev('r2aa', ['r1aa']),
    rev('f1aa', ['r2aa'], { labels: ['feat'] }),
    rev('f2aa', ['f1aa']),
    rev('o1aa', ['r2aa']),
    rev('o2aa', ['o1aa']),
    rev('x1aa', [], { labels: ['xbranch'] }),
    rev('x2aa', ['x1aa']),
  ];
  const map = new RevisionMap(revisions);

  it('resolves labels and label@ forms', () => {
    assert.deepEqual(map.resolve('feat'), ['f1aa']);
    assert.deepEqual(map.resolve('feat@head'), ['f2aa']);
    assert.deepEqual(map.resolve('feat@heads'), ['f2aa']);
    assert.deepEqual(map.resolve('feat@base'), []);
    assert.deepEqual(map.resolve('xbranch@head'), ['x2aa']);
    assert.deepEqual(map.resolve('feat@f2'), ['f2aa']);
    assert.deepEqual(map.resolve('feat@-1'), ['f1aa']);
    throwsResolution(
      () => map.resolve('feat@o1aa'),
      'o1aa',
      "Revision o1aa is not a member of branch 'feat'",
    );
    throwsResolution(() => map.resolve('nope@head'), 'nope');
    throwsResolution(() => map.resolve('nope@f2aa'), 'nope', "No such branch: 'nope'");
  });

  it('labels with more than three characters also match as prefixes', () => {
    assert.deepEqual(map.resolve('xbr'), ['x1aa']);
  });

  it('propagates labels to the branch', () => {
    assert.deepEqual(map.branchLabels('f1aa'), ['feat']);
    assert.deepEqual(map.branchLabels('f2aa'), ['feat']);
    assert.deepEqual(map.branchLabels('o1aa'), []);
    assert.deepEqual(map.branchLabels('r2aa'), [], 'the branch point is shared');
    assert.deepEqual(map.branchLabels('x2aa'), ['xbranch']);
    const lower = new RevisionMap([
      rev('a1aa'),
      rev('a2aa', ['a1aa'], { labels: ['lbl'] }),
      rev('a3aa', ['a2aa']),
    ]);
    assert.deepEqual(lower.branchLabels('a1aa'), ['lbl'], 'unbranched ancestors share the label');
    // Alembic walks down from the last descendant it found: a branch point (or merge point) among
    // the descendants stops that walk before it reaches the ancestors (differential test).
    const forkedBelow = new RevisionMap([
      rev('a1aa'),
      rev('a2aa', ['a1aa'], { labels: ['lbl'] }),
      rev('a3aa', ['a2aa']),
      rev('a4aa', ['a3aa']),
      rev('a5aa', ['a3aa']),
    ]);
    assert.deepEqual(forkedBelow.branchLabels('a1aa'), []);
    assert.deepEqual(forkedBelow.branchLabels('a5aa'), ['lbl']);
    const dependedOnBelow = new RevisionMap([
      rev('a1aa'),
      rev('a2aa', ['a1aa'], { labels: ['lbl'] }),
      rev('a3aa', ['a2aa']),
      rev('b1aa', [], { deps: ['a2aa'] }),
    ]);
    assert.deepEqual(dependedOnBelow.branchLabels('a1aa'), []);
  });

  it('upgrades along a label', () => {
    assert.deepEqual(ids(map.planUpgrade(['r2aa'], 'feat@head')), ['f1aa', 'f2aa']);
    assert.deepEqual(ids(map.planUpgrade(['r2aa'], 'feat@+1')), ['f1aa']);
    assert.deepEqual(ids(map.planUpgrade(['r2aa'], 'feat@+2')), ['f1aa', 'f2aa']);
    // The branch is not among the current rows: start from its applied tip.
    const steps = map.planUpgrade(['o2aa'], 'feat@+1');
    assert.deepEqual(ids(steps), ['f1aa']);
    assert.deepEqual(steps[0]!.versionChanges, [{ kind: 'insert', to: 'f1aa' }]);
    // A separate root: from nothing.
    assert.deepEqual(ids(map.planUpgrade(['o2aa'], 'xbranch@+1')), ['x1aa']);
    throwsRevision(
      () => map.planUpgrade(['f2aa'], 'feat@+1'),
      "Relative revision +1 didn't produce 1 migrations",
    );
  });

  it('downgrades along a label', () => {
    const rows = ['f2aa', 'o2aa', 'x2aa'];
    assert.deepEqual(ids(map.planDowngrade(rows, 'feat@-1')), ['f2aa']);
    assert.deepEqual(ids(map.planDowngrade(rows, 'feat@-2')), ['f2aa', 'f1aa']);
    assert.deepEqual(run(rows, map.planDowngrade(rows, 'feat@-2')), ['o2aa', 'x2aa']);
    // Downgrading to the shared branch point, narrowed to the label's branch.
    assert.deepEqual(ids(map.planDowngrade(rows, 'feat@r2aa')), ['f2aa', 'f1aa']);
    assert.deepEqual(ids(map.planDowngrade(rows, 'r2aa')), ['f2aa', 'f1aa', 'o2aa', 'o1aa']);
    // A label on its own root: label@base removes just that tree.
    const steps = map.planDowngrade(rows, 'xbranch@base');
    assert.deepEqual(ids(steps), ['x2aa', 'x1aa']);
    assert.deepEqual(run(rows, steps), ['f2aa', 'o2aa']);
  });
});

// ---------------------------------------------------------------- depends_on

describe('depends_on', () => {
  // a1 (label alpha) → a2;  b1 → b2 (depends on alpha = a1) → b3
  const revisions = [
    rev('a1aa', [], { labels: ['alpha'] }),
    rev('a2aa', ['a1aa']),
    rev('b1aa'),
    rev('b2aa', ['b1aa'], { deps: ['alpha'] }),
    rev('b3aa', ['b2aa']),
  ];
  const map = new RevisionMap(revisions);

  it('is an ancestor relation but not a parent one', () => {
    assert.equal(map.isAncestor('a1aa', 'b3aa'), true);
    assert.equal(map.isAncestor('b3aa', 'a1aa'), false);
    assert.equal(map.isAncestor('a2aa', 'b3aa'), false);
    assert.equal(map.isAncestor('b3aa', 'b3aa'), false);
    assert.deepEqual(map.children('a1aa'), ['a2aa']);
    assert.deepEqual(map.heads, ['a2aa', 'b3aa']);
  });

  it('applies dependencies before their dependents', () => {
    const steps = map.planUpgrade([], 'b3aa');
    assert.deepEqual(ids(steps), ['a1aa', 'b1aa', 'b2aa', 'b3aa']);
    assert.deepEqual(
      steps.map((s) => s.describe),
      [
        'upgrade  -> a1aa, a1aa',
        'upgrade  -> b1aa, b1aa',
        'upgrade b1aa -> b2aa, b2aa',
        'upgrade b2aa -> b3aa, b3aa',
      ],
    );
    // The dependency's row is absorbed by its dependent.
    const rows = run([], steps);
    assert.deepEqual(rows, ['b3aa']);
    // The rest of the dependency's branch is a new row.
    const more = map.planUpgrade(rows, 'heads');
    assert.deepEqual(ids(more), ['a2aa']);
    assert.deepEqual(more[0]!.versionChanges, [{ kind: 'insert', to: 'a2aa' }]);
    assert.deepEqual(run(rows, more), ['b3aa', 'a2aa']);
  });

  it('a dependency already applied is not applied again', () => {
    assert.deepEqual(ids(map.planUpgrade(['a2aa'], 'b3aa')), ['b1aa', 'b2aa', 'b3aa']);
    assert.deepEqual(run(['a2aa'], map.planUpgrade(['a2aa'], 'b3aa')), ['a2aa', 'b3aa']);
  });

  it('downgrading a dependency downgrades its dependents first', () => {
    const rows = ['b3aa', 'a2aa'];
    const steps = map.planDowngrade(rows, 'alpha@base');
    assert.deepEqual(ids(steps), ['a2aa', 'b3aa', 'b2aa', 'a1aa']);
    assert.deepEqual(run(rows, steps), ['b1aa']);
  });

  it("downgrading a revision whose dependency descends from its parent leaves both rows, as Alembic's", () => {
    // cccc: parent aaaa, depends on bbbb (a child of aaaa). Alembic's `_unmerge_to_revisions`
    // keeps aaaa beside bbbb (found by the differential test).
    const m = new RevisionMap([
      rev('aaaa'),
      rev('bbbb', ['aaaa']),
      rev('cccc', ['aaaa'], { deps: ['bbbb'] }),
    ]);
    const steps = m.planDowngrade(['cccc'], '-1');
    assert.deepEqual(ids(steps), ['cccc']);
    assert.deepEqual(steps[0]!.versionChanges, [
      { kind: 'insert', to: 'aaaa' },
      { kind: 'update', from: 'cccc', to: 'bbbb' },
    ]);
    assert.deepEqual(run(['cccc'], steps).sort(), ['aaaa', 'bbbb']);
  });

  it('a merge that depends on a descendant of one of its down revisions merges the rows there (deliberately unlike Alembic)', () => {
    // dddd merges aaaa and bbbb and depends on cccc, a child of aaaa: cccc's step has moved aaaa's
    // row on. Alembic's `merge_branch_idents` still deletes aaaa's row and stops on a KeyError
    // (found by the differential test, seed 13); ours merges bbbb and cccc into dddd.
    const m = new RevisionMap([
      rev('aaaa'),
      rev('bbbb'),
      rev('cccc', ['aaaa']),
      rev('dddd', ['aaaa', 'bbbb'], { deps: ['cccc'] }),
    ]);
    const steps = m.planUpgrade([], 'dddd');
    assert.deepEqual(ids(steps), ['aaaa', 'cccc', 'bbbb', 'dddd']);
    assert.deepEqual(steps[3]!.versionChanges, [
      { kind: 'delete', from: 'bbbb' },
      { kind: 'update', from: 'cccc', to: 'dddd' },
    ]);
    assert.deepEqual(run([], steps), ['dddd']);
    assert.deepEqual(run(['cccc', 'bbbb'], m.planUpgrade(['cccc', 'bbbb'], 'dddd')), ['dddd']);
  });

  it('history keeps dependency order through revisions outside the range', () => {
    // yyyy (own root) depends on xxxx; zzzz merges yyyy and aaaa. yyyy is not above aaaa along
    // down revisions, so it is not listed, but xxxx must still come after zzzz.
    const m = new RevisionMap([
      rev('aaaa'),
      rev('xxxx', ['aaaa']),
      rev('yyyy', [], { deps: ['xxxx'] }),
      rev('zzzz', ['yyyy', 'aaaa']),
    ]);
    assert.deepEqual(revIds(m.history('aaaa', 'zzzz')), ['zzzz', 'xxxx', 'aaaa']);
    assert.deepEqual(revIds(m.history()), ['zzzz', 'yyyy', 'xxxx', 'aaaa']);
  });

  it('stamping heads uses the heads nothing depends on', () => {
    const dep = new RevisionMap([rev('c1aa'), rev('d1aa'), rev('d2aa', ['d1aa'], { deps: ['c1aa'] })]);
    assert.deepEqual(dep.stampHeads([], 'heads'), ['d2aa']);
    assert.deepEqual(run([], dep.planUpgrade([], 'heads')), ['d2aa']);
    assert.deepEqual(run(['d2aa'], dep.planDowngrade(['d2aa'], 'base')), []);
  });
});

// ---------------------------------------------------------------- stamp

describe('stamp', () => {
  const lin = new RevisionMap(linear());
  const twoHeads = new RevisionMap(reference(false));
  const merged = new RevisionMap(reference(true));

  it('stamps head from an empty table and back to base', () => {
    const up = lin.planStamp([], 'head');
    assert.deepEqual(
      up.map((s) => s.describe),
      [`stamp_revision  -> ${SECOND}`],
    );
    assert.deepEqual(up[0]!.versionChanges, [{ kind: 'insert', to: SECOND }]);
    assert.deepEqual(lin.stampHeads([], 'head'), [SECOND]);

    const down = lin.planStamp([SECOND], 'base');
    assert.deepEqual(
      down.map((s) => s.describe),
      [`stamp_revision ${SECOND} -> `],
    );
    assert.deepEqual(down[0]!.versionChanges, [{ kind: 'delete', from: SECOND }]);
    assert.deepEqual(lin.stampHeads([SECOND], 'base'), []);
    assert.deepEqual(lin.stampHeads([], 'base'), []);
  });

  it('moves a row up or down its branch', () => {
    assert.deepEqual(lin.planStamp([INITIAL], SECOND)[0]!.versionChanges, [
      { kind: 'update', from: INITIAL, to: SECOND },
    ]);
    assert.deepEqual(lin.stampHeads([SECOND], '5'), [INITIAL]);
    assert.equal(lin.planStamp([SECOND], INITIAL)[0]!.direction, 'down');
    assert.deepEqual(lin.planStamp([SECOND], SECOND), []);
    assert.deepEqual(lin.stampHeads([SECOND], 'head'), [SECOND]);
  });

  it('keeps unrelated rows and adds new branches', () => {
    assert.deepEqual(twoHeads.stampHeads([FEATURE_A], FEATURE_B), [FEATURE_A, FEATURE_B]);
    assert.deepEqual(
      twoHeads.planStamp([FEATURE_A], FEATURE_B)[0]!.describe,
      `stamp_revision  -> ${FEATURE_B}`,
    );
    const steps = twoHeads.planStamp([FOURTH], 'heads');
    assert.deepEqual(
      steps.map((s) => s.versionChanges),
      [[{ kind: 'update', from: FOURTH, to: FEATURE_A }], [{ kind: 'insert', to: FEATURE_B }]],
    );
    assert.deepEqual(twoHeads.stampHeads([FOURTH], 'heads'), [FEATURE_A, FEATURE_B]);
    assert.deepEqual(twoHeads.stampHeads([FEATURE_A], 'heads'), [FEATURE_A, FEATURE_B]);
  });

  it('moves only the rows related to each target (deliberately unlike Alembic)', () => {
    // a -> b -> d and a -> c; rows at b (below head d) and at head c. Alembic's `_stamp_revs`
    // runs `stamp_revision b, c -> d` (every row on the targets' lineage) and then skips c, so
    // its `stamp heads` drops head c's row. Ours moves b alone and keeps c (README; found by the
    // differential test, which does not compare such a stamp: alembic-stamp-moves.ts).
    const map = new RevisionMap([
      rev('aaaa00000001'),
      rev('bbbb00000002', ['aaaa00000001']),
      rev('cccc00000003', ['aaaa00000001']),
      rev('dddd00000004', ['bbbb00000002']),
    ]);
    const rows = ['bbbb00000002', 'cccc00000003'];
    const steps = map.planStamp(rows, 'heads');
    assert.deepEqual(
      steps.map((s) => s.describe),
      ['stamp_revision bbbb00000002 -> dddd00000004'],
    );
    assert.deepEqual(steps[0]!.versionChanges, [
      { kind: 'update', from: 'bbbb00000002', to: 'dddd00000004' },
    ]);
    assert.deepEqual(map.stampHeads(rows, 'heads').sort(), ['cccc00000003', 'dddd00000004']);
  });

  it('collapses several rows onto a common ancestor or descendant', () => {
    const down = twoHeads.planStamp([FEATURE_A, FEATURE_B], FOURTH);
    assert.deepEqual(
      down.map((s) => s.describe),
      [`stamp_revision ${FEATURE_A}, ${FEATURE_B} -> ${FOURTH}`],
    );
    assert.deepEqual(down[0]!.versionChanges, [
      { kind: 'delete', from: FEATURE_A },
      { kind: 'update', from: FEATURE_B, to: FOURTH },
    ]);
    assert.deepEqual(twoHeads.stampHeads([FEATURE_A, FEATURE_B], FOURTH), [FOURTH]);
    assert.deepEqual(merged.stampHeads([FEATURE_A, FEATURE_B], 'head'), [MERGE]);
    assert.deepEqual(merged.stampHeads([MERGE], FEATURE_A), [FEATURE_A]);
    assert.deepEqual(twoHeads.stampHeads([FEATURE_A, FEATURE_B], 'base'), []);
  });

  it('splits a merge row into its parents when both are stamped (where Alembic stops half way)', () => {
    const steps = merged.planStamp([MERGE], [FEATURE_A, FEATURE_B]);
    assert.deepEqual(
      steps.map((s) => s.versionChanges),
      [[{ kind: 'update', from: MERGE, to: FEATURE_A }], [{ kind: 'insert', to: FEATURE_B }]],
    );
    assert.deepEqual(merged.stampHeads([MERGE], [FEATURE_A, FEATURE_B]), [FEATURE_A, FEATURE_B]);
    assert.deepEqual(
      merged.stampHeads([MERGE], [FEATURE_B, FEATURE_A]).sort(),
      [FEATURE_A, FEATURE_B].sort(),
    );
    // Two targets on one line of descent below the row would leave a row and its ancestor.
    throwsRevision(
      () => merged.stampHeads([MERGE], [FEATURE_A, FOURTH]),
      `Requested revision ${FOURTH} overlaps with other requested revisions ${FEATURE_A}`,
    );
  });

  it("uses stamp's wording for several heads, and reports unknown rows", () => {
    throwsRevision(
      () => twoHeads.stampHeads([FEATURE_A], 'head'),
      'Multiple heads are present; please specify a single target revision',
    );
    throwsResolution(() => merged.stampHeads(['f00000000001'], 'head'), 'f00000000001');
    throwsResolution(() => merged.stampHeads([], 'abcd'), 'abcd');
    assert.deepEqual(merged.stampHeads([], 'head'), [MERGE]);
  });
});

// ---------------------------------------------------------------- history

describe('history', () => {
  const map = new RevisionMap(reference(true));

  it('lists newest first, branches one after the other', () => {
    assert.deepEqual(revIds(map.history()), [MERGE, FEATURE_B, FEATURE_A, FOURTH, THIRD, SECOND, INITIAL]);
    assert.deepEqual(revIds(map.history('base', 'heads')), revIds(map.history()));
    assert.deepEqual(revIds(new RevisionMap(reference(false)).history()), [
      FEATURE_A,
      FEATURE_B,
      FOURTH,
      THIRD,
      SECOND,
      INITIAL,
    ]);
  });

  it('limits to a range, both ends included', () => {
    assert.deepEqual(revIds(map.history(SECOND, MERGE)), [
      MERGE,
      FEATURE_B,
      FEATURE_A,
      FOURTH,
      THIRD,
      SECOND,
    ]);
    assert.deepEqual(revIds(map.history(undefined, THIRD)), [THIRD, SECOND, INITIAL]);
    assert.deepEqual(revIds(map.history(FEATURE_A)), [MERGE, FEATURE_A]);
    assert.deepEqual(revIds(map.history(FOURTH, FOURTH)), [FOURTH]);
    assert.deepEqual(revIds(map.history('6e', 'abcd1')), [THIRD, SECOND]);
    assert.deepEqual(revIds(map.history(FEATURE_A, '+1')), [MERGE, FEATURE_A]);
    assert.deepEqual(revIds(new RevisionMap(linear()).history('-1')), [SECOND, INITIAL]);
    assert.deepEqual(revIds(new RevisionMap(reference(false).slice(0, 4)).history('-2')), [
      FOURTH,
      THIRD,
      SECOND,
    ]);
  });

  it('rejects ranges that are not along one branch', () => {
    throwsRevision(
      () => map.history(FOURTH, THIRD),
      `Requested range ${FOURTH}:${THIRD} does not refer to ancestor/descendant revisions along the same branch`,
    );
    throwsRevision(
      () => map.history(FEATURE_A, FEATURE_B),
      `Requested range ${FEATURE_A}:${FEATURE_B} does not refer to ancestor/descendant revisions along the same branch`,
    );
  });

  // Both found by the differential test against Alembic (alembic-differential.test.ts).
  it('walks `label@+N` as an end along its branch, from the lower end or from base', () => {
    const twoBases = new RevisionMap([rev('aaaa'), rev('bbbb'), rev('cccc', ['bbbb'], { labels: ['lb'] })]);
    // From bbbb, branch aaaa starts at base: its first revision is aaaa, not a descendant of bbbb.
    throwsRevision(
      () => twoBases.history('bbbb', 'aaaa@+1'),
      'Requested range bbbb:aaaa@+1 does not refer to ancestor/descendant revisions along the same branch',
    );
    assert.deepEqual(revIds(twoBases.history('bbbb', 'lb@+1')), ['cccc', 'bbbb']);
    assert.deepEqual(revIds(twoBases.history(undefined, 'lb@+5')), ['cccc', 'bbbb']);
  });

  it('keeps the upper end to the branch of a `label@…` lower end', () => {
    const forked = new RevisionMap([
      rev('aaaa'),
      rev('bbbb', ['aaaa'], { labels: ['x'] }),
      rev('cccc', ['aaaa'], { labels: ['y'] }),
    ]);
    assert.deepEqual(revIds(forked.history('x@base')), ['bbbb', 'aaaa']);
    assert.deepEqual(revIds(forked.history('y@base', 'heads')), ['cccc', 'aaaa']);
    assert.deepEqual(revIds(forked.history('x@head')), ['bbbb']);
    // A revision id as the branch stands for its label.
    assert.deepEqual(revIds(forked.history('cccc@base')), ['cccc', 'aaaa']);
    throwsResolution(() => forked.history('zzzz@base'), 'zzzz');
  });

  it('checks the range before a lower end that lists a revision with its ancestor', () => {
    const chain = new RevisionMap([rev('aaaa'), rev('bbbb', ['aaaa'])]);
    throwsRevision(
      () => chain.history(['bbbb', 'aaaa'], 'aaaa'),
      "Requested range ('bbbb', 'aaaa'):aaaa does not refer to ancestor/descendant revisions along the same branch",
    );
    throwsRevision(
      () => chain.history(['bbbb', 'aaaa'], 'bbbb'),
      'Requested revision bbbb overlaps with other requested revisions aaaa',
    );
  });

  it('reports unknown and ambiguous ends', () => {
    throwsResolution(() => map.history('abcd'), 'abcd');
    throwsResolution(() => map.history('xyz', 'head'), 'xyz');
    throwsRevision(() => new RevisionMap(reference(false)).history(undefined, 'head'), MULTIPLE_HEADS);
  });
});

// ---------------------------------------------------------------- consistency on random graphs

/** Small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomGraph(random: () => number, n: number, withDeps: boolean): Revision[] {
  const out: Revision[] = [];
  const name = (i: number) => `n${String(i).padStart(3, '0')}`;
  for (let i = 0; i < n; i++) {
    const down = new Set<string>();
    if (i > 0 && random() > 0.08) {
      down.add(name(Math.floor(random() * i)));
      if (random() < 0.2) down.add(name(Math.floor(random() * i)));
    }
    const deps = new Set<string>();
    if (withDeps && i > 1 && random() < 0.15) deps.add(name(Math.floor(random() * i)));
    for (const d of down) deps.delete(d);
    out.push(rev(name(i), [...down], { deps: [...deps] }));
  }
  return out;
}

/** Applied revisions not below another applied revision: what the version table must hold. */
function tips(map: RevisionMap, applied: Set<string>): string[] {
  return [...applied].filter((a) => ![...applied].some((b) => b !== a && map.isAncestor(a, b))).sort();
}

function closure(map: RevisionMap, revs: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const r of map.all()) {
    if (revs.some((x) => x === r.revision || map.isAncestor(r.revision, x))) out.add(r.revision);
  }
  return out;
}

describe('plans on random graphs keep the version table consistent', () => {
  for (const withDeps of [false, true]) {
    it(withDeps ? 'with depends_on' : 'without depends_on', () => {
      const random = prng(withDeps ? 7 : 3);
      for (let round = 0; round < 40; round++) {
        const map = new RevisionMap(randomGraph(random, 24, withDeps));
        const all = map.all().map((r) => r.revision);
        const pick = () => all[Math.floor(random() * all.length)]!;

        // Upgrade from nothing to one revision, then to another.
        let rows: string[] = [];
        let applied = new Set<string>();
        for (const target of [pick(), pick(), 'heads']) {
          const steps = map.planUpgrade(rows, target);
          const before = new Set(applied);
          for (const s of steps) {
            assert.ok(!before.has(s.revision.revision), 'nothing is applied twice');
            for (const p of [
              ...s.revision.downRevisions,
              ...map
                .all()
                .filter((r) => map.isAncestor(r.revision, s.revision.revision))
                .map((r) => r.revision),
            ]) {
              assert.ok(before.has(p) || applied.has(p), `${p} applied before ${s.revision.revision}`);
            }
            applied.add(s.revision.revision);
          }
          rows = run(rows, steps);
          applied = closure(map, [...applied, ...map.resolve(target)]);
          assert.deepEqual(sorted(rows), tips(map, applied), `rows after upgrade ${target}`);
        }

        // Downgrade to a revision that is applied, then to base.
        const target = [...applied][Math.floor(random() * applied.size)]!;
        if (!rows.includes(target) && !map.children(target).some((c) => applied.has(c))) {
          // Applied only as a dependency, nothing above it: Alembic's "Nothing to drop".
          throwsRevision(
            () => map.planDowngrade(rows, target),
            `Destination ${target} is not a valid downgrade target from current head(s)`,
          );
          continue;
        }
        const steps = map.planDowngrade(rows, target);
        const removed = new Set(steps.map((s) => s.revision.revision));
        assert.ok(!removed.has(target), 'the target stays');
        for (const [k, s] of steps.entries()) {
          for (const later of steps.slice(k + 1)) {
            assert.ok(
              !map.isAncestor(s.revision.revision, later.revision.revision),
              'children are removed first',
            );
          }
          assert.ok(
            map.isAncestor(target, s.revision.revision),
            'only descendants of the target are removed',
          );
        }
        rows = run(rows, steps);
        applied = new Set([...applied].filter((a) => !removed.has(a)));
        assert.deepEqual(sorted(rows), tips(map, applied), `rows after downgrade ${target}`);
        assert.deepEqual(run(rows, map.planDowngrade(rows, 'base')), []);

        // Stamping heads from anywhere gives the real heads.
        assert.deepEqual(sorted(map.stampHeads(rows, 'heads')), sorted(map.resolve('heads')));
      }
    });
  }
});

// ---------------------------------------------------------------- size and speed

describe('long chains', () => {
  it('handles a 2,000-revision chain without recursion', () => {
    const revisions = chain(2000);
    const first = revisions[0]!.revision;
    const last = revisions.at(-1)!.revision;
    const map = new RevisionMap(revisions);
    assert.deepEqual(map.heads, [last]);
    assert.deepEqual(map.bases, [first]);
    assert.equal(map.history().length, 2000);
    assert.equal(map.history()[0]!.revision, last);
    assert.equal(map.isAncestor(first, last), true);
    assert.deepEqual(map.resolve('r001999'), [last]);

    const up = map.planUpgrade([], 'head');
    assert.equal(up.length, 2000);
    assert.deepEqual(up[0]!.versionChanges, [{ kind: 'insert', to: first }]);
    assert.deepEqual(run([], up), [last]);

    const down = map.planDowngrade([last], 'base');
    assert.equal(down.length, 2000);
    assert.equal(down[0]!.revision.revision, last);
    assert.deepEqual(run([last], down), []);

    assert.equal(map.planDowngrade([last], '-1500').length, 1500);
    assert.equal(map.planUpgrade([first], '+1999').length, 1999);
    assert.deepEqual(map.stampHeads([first], 'head'), [last]);
  });

  it('handles a 20,000-revision chain', () => {
    const map = new RevisionMap(chain(20_000));
    assert.equal(map.history().length, 20_000);
    assert.equal(map.planDowngrade(map.heads, 'base').length, 20_000);
  });

  it('builds a 1,000-revision map and its history quickly', () => {
    const revisions = chain(1000);
    // Warm up the JIT, then take the best of a few runs.
    for (let i = 0; i < 5; i++) new RevisionMap(revisions).history();
    let build = Number.POSITIVE_INFINITY;
    let history = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const map = new RevisionMap(revisions);
      assert.equal(map.heads.length, 1);
      const t1 = performance.now();
      map.history();
      const t2 = performance.now();
      build = Math.min(build, t1 - t0);
      history = Math.min(history, t2 - t1);
    }
    assert.ok(build < 10, `construction took ${build.toFixed(2)} ms`);
    assert.ok(history < 10, `history took ${history.toFixed(2)} ms`);
  });

  it('handles 500 branches off one revision', () => {
    const revisions = [rev('root0000')];
    for (let i = 0; i < 500; i++) revisions.push(rev(`leaf${String(i).padStart(4, '0')}`, ['root0000']));
    const map = new RevisionMap(revisions);
    assert.equal(map.heads.length, 500);
    const up = map.planUpgrade([], 'heads');
    assert.equal(up.length, 501);
    const rows = run([], up);
    assert.equal(rows.length, 500);
    assert.deepEqual(run(rows, map.planDowngrade(rows, 'base')), []);
  });
});

// Found by the differential test against real Alembic (alembic-differential.test.ts).
describe('agreement with Alembic (differential test findings)', () => {
  // a -> b -> c (label core) and b -> d: two heads, c and d.
  const forked = () =>
    new RevisionMap([
      rev('aaaa00000001'),
      rev('aaaa00000002', ['aaaa00000001']),
      rev('cccc00000003', ['aaaa00000002'], { labels: ['core'] }),
      rev('dddd00000004', ['aaaa00000002']),
    ]);

  it('stamp takes several revisions, one row each', () => {
    assert.deepEqual(forked().stampHeads([], ['cccc00000003', 'dddd00000004']).sort(), [
      'cccc00000003',
      'dddd00000004',
    ]);
  });

  it('stamp -N walks down from the heads when the table is empty (and after --purge)', () => {
    assert.deepEqual(forked().stampHeads([], 'core@-1'), ['aaaa00000002']);
    // Both heads walk down to b: the second stamp of b fails, as Alembic's does.
    assert.throws(() => forked().stampHeads([], '-1'), RevisionError);
    assert.deepEqual(forked().stampHeads([], '-4'), [], 'walked past the bases: base');
  });

  it('downgrade label@head resolves head without the label, as rpartition does: several heads fail', () => {
    assert.throws(
      () => forked().planDowngrade(['cccc00000003', 'dddd00000004'], 'core@head'),
      (e) => e instanceof MultipleHeadsError && e.argument === 'core@head',
    );
  });

  it('history from the rows (current:) takes every row as the lower end; current:+1 from one row', () => {
    const map = forked();
    assert.deepEqual(
      map
        .history(['cccc00000003', 'dddd00000004'], undefined)
        .map((r) => r.revision)
        .sort(),
      ['cccc00000003', 'dddd00000004'],
    );
    assert.deepEqual(
      map.history(['aaaa00000001'], '+1').map((r) => r.revision),
      ['aaaa00000002', 'aaaa00000001'],
    );
    assert.throws(
      () => map.history(['cccc00000003', 'dddd00000004'], '+1'),
      /Ambiguous upgrade from multiple current revisions/,
    );
  });

  it('history refuses an end that lists a revision with its ancestor', () => {
    assert.throws(
      () => forked().history(['aaaa00000001', 'cccc00000003'], undefined),
      /overlaps with other requested revisions/,
    );
  });
});
