// Run by test/app/redis-close.test.ts as a process of its own: connects the shared Redis through a
// proxy, cuts the proxy so that both connections are reconnecting, closes everything and prints
// "closed". Nothing should then keep the process alive.
import { SharedRedis } from '../../src/app/shared-redis.js';
import { eventually } from './eventually.js';
import { TcpProxy } from './tcp-proxy.js';

const redis = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const proxy = await TcpProxy.start(Number(redis.port || 6379), redis.hostname);
const shared = await SharedRedis.connect(
  { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: 'expireeye-test-close:' },
  { warn: () => undefined },
);
await shared.subscribe('expireeye-test-close:channel', () => undefined);
proxy.cut();
const sub = shared.subscriberClient!;
if (!(await eventually(() => sub.status === 'reconnecting' && shared.client.status === 'reconnecting'))) {
  throw new Error(`not reconnecting: ${sub.status}, ${shared.client.status}`);
}
await shared.close();
await proxy.close();
process.stdout.write('closed\n');
