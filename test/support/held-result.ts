import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

/**
 * A Kysely plugin that holds back the answer of the next query (or the next one `matching`): the
 * query has run at the database, its result reaches the app only when the test releases it — a
 * busy process, a slow network. Tests use it to put a read in flight across another event.
 */
export class HeldResult implements KyselyPlugin {
  private readonly matched = new WeakSet<object>();
  private armed?: {
    matching: (node: RootOperationNode) => boolean;
    reached: () => void;
    released: Promise<void>;
  };

  /** `reached` resolves once the query has its answer, which is passed on when `release` is called. */
  holdNext(matching: (node: RootOperationNode) => boolean = () => true): {
    reached: Promise<void>;
    release: () => void;
  } {
    let reached!: () => void;
    let release!: () => void;
    const whenReached = new Promise<void>((r) => {
      reached = r;
    });
    const released = new Promise<void>((r) => {
      release = r;
    });
    this.armed = { matching, reached, released };
    return { reached: whenReached, release };
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.armed?.matching(args.node)) this.matched.add(args.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const armed = this.armed;
    if (armed && this.matched.has(args.queryId)) {
      this.armed = undefined;
      armed.reached();
      await armed.released;
    }
    return args.result;
  }
}
