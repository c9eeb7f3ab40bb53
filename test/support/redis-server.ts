import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

/**
 * A real redis-server of a test's own, on a spare port: the test can stop it with SIGSTOP (its
 * connections stay open and nothing is answered, as a stalled server) and let it go on, which the
 * shared Redis other tests use must never be.
 */
export class PrivateRedis {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<PrivateRedis> {
    const port = await sparePort();
    const child = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const server = new PrivateRedis(child, port);
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`))),
    );
    exited.catch(() => undefined);
    const probe = new Redis(server.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    probe.on('error', () => undefined);
    try {
      await Promise.race([waitForPong(probe), exited]);
    } finally {
      probe.disconnect();
    }
    return server;
  }

  /** Stops answering: SIGSTOP (connections stay open, nothing is read). */
  stall(): void {
    this.child.kill('SIGSTOP');
  }

  /** Answers again: SIGCONT. */
  resume(): void {
    this.child.kill('SIGCONT');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGCONT');
    this.child.kill('SIGKILL');
    await exited;
  }
}

async function waitForPong(redis: Redis): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      if (redis.status === 'wait') await redis.connect();
      await redis.ping();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A local port nothing listens on now. */
export async function sparePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
