// Closing the shared Redis while it is unreachable: its connections must end for good. A connection
// that is down refuses QUIT (no offline queue) and, left at that, goes on reconnecting every few
// seconds: the process never exits. Seen in CI: a test file that hung for an hour after its last
// test, held by the subscriber connection's reconnect timer.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SharedRedis } from '../../src/app/shared-redis.js';
import { eventually } from '../support/eventually.js';

const CHILD = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'support',
  'redis-close-child.js',
);
const redis = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

describe('closing the shared Redis', () => {
  test('while Redis cannot be reached: the process exits once everything is closed', async () => {
    const child = spawn(process.execPath, [CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Bounded: left running, its reconnect timer (50 ms to 5 s between tries) keeps it alive.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await exited;
    clearTimeout(timer);
    assert.equal(out, 'closed\n');
    assert.equal(code, 0, 'exited by itself, not killed');
  });

  test('while it answers: QUIT, and both connections end', async () => {
    const shared = await SharedRedis.connect(
      { url: redis.href, keyPrefix: 'expireeye-test-close:' },
      { warn: () => undefined },
    );
    await shared.subscribe('expireeye-test-close:channel', () => undefined);
    const sub = shared.subscriberClient!;
    await shared.close();
    assert.ok(await eventually(() => sub.status === 'end' && shared.client.status === 'end'));
  });
});
