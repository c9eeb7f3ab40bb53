/**
 * fast-check arbitraries for `db` command sequences over a revision graph. The steps are drawn
 * abstractly (which form of target, which revision by number, how many steps) and made concrete
 * against a graph by `realize`, so that they shrink independently of it.
 */
import fc from 'fast-check';
import type { GraphRevision } from './revision-graph-arbitrary.js';

const TARGET_FORMS = [
  'head',
  'heads',
  'base',
  'id',
  'prefix',
  '+N',
  '-N',
  'REV+N',
  'REV-N',
  'label@head',
  'label@base',
  'label@+N',
  'label@-N',
] as const;
// Left out for now, because Alembic's reading of them is still not ours (README, "Where it differs
// from Alembic"): a relative lower end (`-N:`, `label@-N:`).
const LOWER_FORMS = ['', 'base', 'id', 'prefix', 'current', 'heads', 'label@head', 'label@base'] as const;
const UPPER_FORMS = ['', 'head', 'heads', 'id', '+N', 'label@head', 'current', 'label@+N'] as const;

type Form = (typeof TARGET_FORMS)[number] | (typeof LOWER_FORMS)[number] | (typeof UPPER_FORMS)[number];

interface Target {
  form: Form;
  rev: number;
  label: number;
  n: number;
  len: number;
}

const target = (forms: readonly Form[]): fc.Arbitrary<Target> =>
  fc.record({
    form: fc.constantFrom(...forms),
    rev: fc.nat(),
    label: fc.nat(),
    n: fc.integer({ min: 1, max: 3 }),
    len: fc.integer({ min: 1, max: 12 }),
  });

export interface AbstractStep {
  verb: 'upgrade' | 'downgrade' | 'stamp';
  targets: Target[];
  purge: boolean;
  /** A `history -r` range looked at after the step (it may read the database: `current`). */
  range: [Target, Target];
}

const range = fc.tuple(target(LOWER_FORMS), target(UPPER_FORMS));

export const abstractStep: fc.Arbitrary<AbstractStep> = fc.oneof(
  fc.record({
    verb: fc.constantFrom('upgrade' as const, 'downgrade' as const),
    targets: target(TARGET_FORMS).map((t) => [t]),
    purge: fc.constant(false),
    range,
  }),
  fc.record({
    verb: fc.constant('stamp' as const),
    targets: fc.array(target(TARGET_FORMS), { minLength: 1, maxLength: 2 }),
    purge: fc.boolean(),
    range,
  }),
);

export const abstractSteps = fc.array(abstractStep, { minLength: 3, maxLength: 8 });
/** Extra ranges for `history -r` on the final state. */
export const abstractRanges = fc.array(range, { minLength: 2, maxLength: 4 });

function text(t: Target, graph: readonly GraphRevision[]): string {
  const rev = graph[t.rev % graph.length]!.id;
  const labels = graph.flatMap((r) => r.branchLabels);
  // Without labels, a revision id serves as the branch name (Alembic accepts `<rev>@head`).
  const label = labels.length ? labels[t.label % labels.length]! : graph[t.label % graph.length]!.id;
  switch (t.form) {
    case 'id':
      return rev;
    case 'prefix':
      return rev.slice(0, t.len);
    case '+N':
      return `+${t.n}`;
    case '-N':
      return `-${t.n}`;
    case 'REV+N':
      return `${rev.slice(0, Math.max(4, t.len))}+${t.n}`;
    case 'REV-N':
      return `${rev.slice(0, Math.max(4, t.len))}-${t.n}`;
    case 'label@head':
      return `${label}@head`;
    case 'label@base':
      return `${label}@base`;
    case 'label@+N':
      return `${label}@+${t.n}`;
    case 'label@-N':
      return `${label}@-${t.n}`;
    default:
      return t.form;
  }
}

/** `history` arguments for a range; `=` keeps a leading `-` from reading as an option. */
export function historyCommand([lower, upper]: [Target, Target], graph: readonly GraphRevision[]): string[] {
  const lo = text(lower, graph);
  const up = text(upper, graph);
  return lo === '' && up === '' ? ['history'] : ['history', `--rev-range=${lo}:${up}`];
}

export function stepCommand(step: AbstractStep, graph: readonly GraphRevision[]): string[] {
  const targets = step.targets.map((t) => text(t, graph));
  if (step.verb !== 'stamp') return [step.verb, targets[0]!];
  return ['stamp', ...(step.purge ? ['--purge'] : []), ...targets];
}
