import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Stands for a value while a template is compiled; the compiled parameters say where it went. */
class Slot {
  constructor(readonly name: string) {}
  toString(): string {
    throw new Error(
      `query template: the value '${this.name}' was written into the SQL text; pass it as a value`,
    );
  }
}

/** Values are strings and numbers: filled in after the plugins saw the query, none may need their rewriting. */
export type TemplateValues = Record<string, string | number>;

interface Prepared {
  readonly query: CompiledQuery;
  /** For each parameter, the name of the value it takes, or undefined for a constant. */
  readonly slots: ReadonlyArray<string | undefined>;
}

/**
 * A query whose SQL depends on a few choices (its shape: which filters, which order) and whose
 * values change on every call. Kysely builds the operation tree and compiles it on every execution,
 * ~9% of the busiest route's CPU (the inventory list, bench/README.md). A template is built and
 * compiled once per shape and per Kysely instance (a dialect with its plugins) with stand-ins for
 * the values; each call copies the parameter list with the values filled in.
 *
 * `build` must pass every value to Kysely as a value (`where(col, '=', v.x)`, `limit(v.n)`,
 * `sql\`… ${v.x}\``); a value written into the SQL text throws when the template compiles. Values
 * derived from others (a date plus N days, a LIKE pattern) are computed before, as values of their
 * own. Plugins see `transformQuery` once per shape and `transformResult` on every execution.
 */
export class QueryTemplate<DB, Shape, V extends TemplateValues, Row> {
  private readonly byDb = new WeakMap<Kysely<DB>, Map<string, Prepared>>();

  constructor(
    /** The shape's cache key: equal keys must build the same SQL. */
    private readonly key: (shape: Shape) => string,
    private readonly build: (db: Kysely<DB>, shape: Shape, values: V) => Compilable<Row>,
  ) {}

  /** The query this template sends for `shape` and `values`, compiled. */
  compile(db: Kysely<DB>, shape: Shape, values: V): CompiledQuery<Row> {
    const { query, slots } = this.prepared(db, shape, values);
    return {
      query: query.query,
      // The id `transformQuery` saw, so that plugins match each result to the query it answers.
      queryId: query.queryId,
      sql: query.sql,
      parameters: slots.map((name, i) => (name === undefined ? query.parameters[i] : values[name])),
    };
  }

  async execute(db: Kysely<DB>, shape: Shape, values: V): Promise<Row[]> {
    return (await db.executeQuery(this.compile(db, shape, values))).rows;
  }

  private prepared(db: Kysely<DB>, shape: Shape, values: V): Prepared {
    let forDb = this.byDb.get(db);
    if (!forDb) {
      forDb = new Map();
      this.byDb.set(db, forDb);
    }
    const key = this.key(shape);
    let prepared = forDb.get(key);
    if (!prepared) {
      const standIns = Object.fromEntries(Object.keys(values).map((k) => [k, new Slot(k)])) as unknown as V;
      const query = this.build(db, shape, standIns).compile();
      prepared = { query, slots: query.parameters.map((p) => (p instanceof Slot ? p.name : undefined)) };
      forDb.set(key, prepared);
    }
    return prepared;
  }
}
