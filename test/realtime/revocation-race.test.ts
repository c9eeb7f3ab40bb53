import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { Client, migrateToHead } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { type Instance, startInstance, TestSocket } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Holds back the answer of the next read of a user's token version, once armed: the read has
 * happened at the database, its result reaches the app only when the test says so (a busy
 * process, a slow network).
 */
class TokenVersionGate implements KyselyPlugin {
  private readonly held = new WeakSet<object>();
  private armed?: { reached: () => void; released: Promise<void> };

  /** Resolves `reached` when the next token-version read has its answer; it is held until `release`. */
  arm(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const whenReached = new Promise<void>((r) => {
      reached = r;
    });
    this.armed = { reached, released: new Promise<void>((r) => (release = r)) };
    return { reached: whenReached, release };
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (this.armed && node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"token_version"')) {
      this.held.add(args.queryId);
    }
    return node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const armed = this.armed;
    if (armed && this.held.has(args.queryId)) {
      this.armed = undefined;
      armed.reached();
      await armed.released;
    }
    return args.result;
  }
}

for (const dialect of DIALECTS) {
  describe(`a token revoked while a socket's token check is on its way, on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let a: Instance;
    let b: Instance;
    const gate = new TokenVersionGate();
    before(async () => {
      scratch = await scratchDatabase(dialect);
      await migrateToHead(scratch);
      const prefix = `expireeye-test-${randomBytes(6).toString('hex')}:`;
      const env = { REDIS_URL, REDIS_KEY_PREFIX: prefix, REDIS_CHANNEL: `${prefix}notifications` };
      a = await startInstance(scratch, env);
      b = await startInstance(scratch, env, {}, undefined, gate);
    });
    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await scratch.drop();
    });

    test('the socket is refused: the version read before the revocation is not remembered', async () => {
      const email = `race.${randomBytes(4).toString('hex')}@example.com`;
      const signup = await new Client(a.baseUrl).post('/api/auth/signup', { email, password: 'first-pass' });
      assert.equal(signup.status, 200, signup.text);
      const old = signup.body.token as string;
      // B reads the user's version (the old one) for the socket's first check; the answer is late.
      const { reached, release } = gate.arm();
      const socket = new TestSocket(`${b.wsUrl}?access_token=${old}`);
      await reached;
      // Meanwhile the password changes on A, and B hears of it.
      let heard!: () => void;
      const bHeard = new Promise<void>((r) => (heard = r));
      b.app.tokenVersions.onRevoked(() => heard());
      const changed = await new Client(a.baseUrl, old).post('/api/user/change-password', {
        currentPassword: 'first-pass',
        newPassword: 'second-pass',
      });
      assert.equal(changed.status, 200, changed.text);
      await bHeard;
      release();
      assert.deepEqual(await socket.closedWithin(), { code: 1008, reason: 'Access token revoked' });
      assert.equal(
        (await new Client(b.baseUrl, old).get('/api/user/profile')).status,
        401,
        'B refuses the old token over HTTP too',
      );
    });
  });
}
