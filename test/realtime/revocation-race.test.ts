import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RootOperationNode } from 'kysely';
import { Client, migrateToHead, signUp } from '../support/app.js';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { HeldResult } from '../support/held-result.js';
import { type Instance, startInstance, TestSocket } from '../support/sockets.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A read of a user's token version (what the socket's token check does). */
const tokenVersionRead = (node: RootOperationNode) =>
  node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"token_version"');

for (const dialect of DIALECTS) {
  describe(`a token revoked while a socket's token check is on its way, on ${dialect}`, () => {
    let scratch: ScratchDatabase;
    let a: Instance;
    let b: Instance;
    const gate = new HeldResult();
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
      const { token: old } = await signUp(a.baseUrl, 'race', 'first-pass');
      // B reads the user's version (the old one) for the socket's first check; the answer is late.
      const { reached, release } = gate.holdNext(tokenVersionRead);
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
