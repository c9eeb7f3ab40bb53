import { Redis, ReplyError } from 'ioredis';
import { ConfigError } from '../config/config-error.js';
import type { RedisConfig } from '../config/redis-config.js';
import { ConfigurationError } from '../migrate/index.js';
import { RedisBackingOffError, RedisBackoff } from './redis-backoff.js';

/** REDIS_URL is set but Redis cannot be reached: a server refuses to start with this one line. */
export class RedisUnreachableError extends ConfigurationError {}

/** Where connection trouble is reported (pino, or the sweep command's stderr lines). */
export interface RedisLog {
  warn(obj: object, msg: string): void;
}

const OPTIONS = {
  lazyConnect: true,
  connectTimeout: 5000,
  // Commands fail at once while Redis is down instead of queueing: callers fall back.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  // And when Redis stops answering on a connection that stays open (a network that drops packets,
  // a stalled server), after a second rather than when TCP gives up minutes later: until then
  // every rate-limited request and every socket being opened would wait for it.
  commandTimeout: 1000,
};

/**
 * Bytes of messages kept for a resend while the command connection is down (a sweep's 10,000
 * notifications take ~5 MB); past it the oldest are given up, as they would be without a resend.
 */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/**
 * After a command timed out, how long between the PINGs that find out whether Redis answers again
 * (RedisBackoff): shared counting resumes within about two seconds of it answering.
 */
const PROBE_INTERVAL_MS = 1000;

/**
 * How often the subscriber connection is asked for a PING. It only receives, so a Redis that
 * stopped answering on a connection that stays open (a stalled server, a network dropping packets)
 * would go unnoticed for as long as TCP takes to give up — minutes, during which the token-version
 * cache is trusted and published messages are missed. A PING that gets no answer within the
 * command timeout drops the connection: `listening` turns false at once, and after the reconnect
 * the ready listeners catch up on what was missed.
 */
const SUBSCRIBER_HEARTBEAT_MS = 5000;

/**
 * Asked just before a message kept during an outage is sent at last: the message to send instead
 * (what of it still holds by then), or undefined to send nothing. A notification read meanwhile,
 * say, is not pushed to other instances' sockets as new (RedisBus).
 */
export type ReviseUnsent = (message: string) => Promise<string | undefined>;

/**
 * How long a revision may take before the message goes as kept: the queue is sent in order, and a
 * revision that waits out a stalled database's timeout (30 s by default) for each message would
 * hold back everything behind it, token revocations included.
 */
const REVISE_TIMEOUT_MS = 2_000;

async function reviseInTime(revise: ReviseUnsent, message: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${REVISE_TIMEOUT_MS} ms`)),
      REVISE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([revise(message), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The Redis that server processes share: one command connection (counters, publishing) and, once
 * something listens, one subscriber connection for every channel (notifications, revocations).
 * ioredis reconnects both by itself and subscribes again after a reconnect.
 */
export class SharedRedis {
  private subscriber?: Promise<Redis>;
  private subscriberConnection?: Redis;
  private readonly handlers = new Map<string, (message: string) => void>();
  private readonly readyListeners: Array<() => void> = [];
  private readonly downListeners: Array<() => void> = [];
  /** Messages whose publish failed, oldest first: sent when the command connection is back. */
  private readonly unsent: { channel: string; message: string; revise?: ReviseUnsent | undefined }[] = [];
  private unsentBytes = 0;
  private resending = false;
  private heartbeat?: NodeJS.Timeout;
  private readonly backoff: RedisBackoff;

  private constructor(
    readonly client: Redis,
    private readonly config: Required<RedisConfig>,
    private readonly log: RedisLog,
  ) {
    this.backoff = new RedisBackoff({
      probe: () => client.ping(),
      intervalMs: PROBE_INTERVAL_MS,
      // Redis answers again without having reconnected: send what could not be published.
      onRecovered: () => void this.resend(),
    });
    client.on('ready', () => {
      this.backoff.reset();
      void this.resend();
    });
  }

  /**
   * Connects; rejects (with a message naming REDIS_URL, never the URL) when Redis cannot be reached
   * (RedisUnreachableError) or refuses the URL's database (ConfigError).
   */
  static async connect(config: Required<RedisConfig>, log: RedisLog): Promise<SharedRedis> {
    const client = SharedRedis.open(config.url, 'expireeye', log);
    await connectOrExplain(client);
    await selectOrExplain(client);
    return new SharedRedis(client, config, log);
  }

  private static open(url: string, name: string, log: RedisLog): Redis {
    const redis = new Redis(url, { ...OPTIONS, connectionName: name });
    // Without a listener ioredis prints every reconnect error to stderr; log them (without the
    // URL). Failures of the first connect are reported once, by connectOrExplain.
    let ready = false;
    redis.once('ready', () => {
      ready = true;
    });
    redis.on('error', (e: Error) => {
      if (ready) log.warn({ err: { message: e.message } }, 'redis connection error');
    });
    return redis;
  }

  /**
   * Runs commands on the command connection, unless a command timed out and Redis has not answered
   * since (RedisBackoff): then it rejects at once (RedisBackingOffError) and the caller falls back
   * without waiting for a timeout of its own. Requests use this (or admitCommand/settleCommand);
   * background work may use `client` directly.
   */
  async command<T>(run: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.admitCommand()) throw new RedisBackingOffError();
    let result: T;
    try {
      result = await run(this.client);
    } catch (e) {
      this.settleCommand(e);
      throw e;
    }
    this.settleCommand();
    return result;
  }

  /** `command` for callback-style callers: whether to send; each one sent must be settled. */
  admitCommand(): boolean {
    return this.backoff.available;
  }

  /** The outcome of a command `admitCommand` let through (an error, or none when it was answered). */
  settleCommand(error?: unknown): void {
    this.backoff.settle(error);
  }

  /** A key (or channel) name in this deployment's namespace (REDIS_KEY_PREFIX). */
  key(name: string): string {
    return `${this.config.keyPrefix}${name}`;
  }

  /** Calls `handler` with every message published on `channel` by any process. */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    this.handlers.set(channel, handler);
    this.subscriber ??= (async () => {
      const sub = SharedRedis.open(this.config.url, 'expireeye-sub', this.log);
      this.subscriberConnection = sub;
      sub.on('message', (ch: string, message: string) => this.handlers.get(ch)?.(message));
      // ioredis re-subscribes on every reconnect; what was published while it was away is lost.
      sub.on('ready', () => {
        for (const listener of this.readyListeners) listener();
      });
      sub.on('close', () => {
        for (const listener of this.downListeners) listener();
      });
      await connectOrExplain(sub);
      this.heartbeat = setInterval(() => this.checkSubscriber(sub), SUBSCRIBER_HEARTBEAT_MS).unref();
      return sub;
    })();
    await (await this.subscriber).subscribe(channel);
  }

  private checkSubscriber(sub: Redis): void {
    if (sub.status !== 'ready') return;
    sub.ping().catch((e: Error) => {
      if (sub.status !== 'ready') return; // it went down by itself meanwhile
      this.log.warn(
        { err: { message: e.message } },
        'redis subscriber connection stopped answering; reconnecting',
      );
      sub.disconnect(true);
    });
  }

  /**
   * Whether messages published now reach this process: the subscriber connection is up. While it
   * is not, whatever is kept on the strength of broadcasts (caches) must not be trusted.
   */
  get listening(): boolean {
    return this.subscriberConnection?.status === 'ready';
  }

  /**
   * Calls `listener` each time the subscriber connection becomes ready, the first time and after
   * every reconnect: messages published while it was down never arrive, so state that depends on
   * them is to be rebuilt then.
   */
  onSubscriberReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  /** Calls `listener` each time the subscriber connection closes: from then on, messages are lost. */
  onSubscriberDown(listener: () => void): void {
    this.downListeners.push(listener);
  }

  /** The subscriber connection, once something subscribed (tests drop it to simulate an outage). */
  get subscriberClient(): Redis | undefined {
    return this.subscriberConnection;
  }

  /**
   * Publishes; rejects when the command connection is down. The message is then kept and sent
   * once it is back: other processes' subscriber connections may well have stayed up (each
   * connection drops and reconnects on its own), and they would never hear of it — their catch-up
   * after an outage covers only their own subscriber's. Receivers take a message twice in their
   * stride (sockets skip notifications they have; a revocation is checked again). `revise`, if
   * given, is asked just before a kept message is sent: what is still worth sending by then (see
   * ReviseUnsent).
   */
  async publish(channel: string, message: string, revise?: ReviseUnsent): Promise<void> {
    try {
      await this.command((client) => client.publish(channel, message));
    } catch (e) {
      this.keepUnsent(channel, message, revise);
      throw e;
    }
    // Redis answers again without having reconnected (it had stopped answering): send the rest.
    if (this.unsent.length > 0) void this.resend();
  }

  private keepUnsent(channel: string, message: string, revise?: ReviseUnsent): void {
    this.unsent.push({ channel, message, revise });
    this.unsentBytes += message.length;
    let dropped = 0;
    while (this.unsentBytes > MAX_UNSENT_BYTES && this.unsent.length > 1) {
      this.unsentBytes -= this.unsent.shift()!.message.length;
      dropped++;
    }
    if (dropped > 0) this.log.warn({ dropped }, 'redis unreachable for long: gave up resending old messages');
  }

  /** Sends what could not be published, in order, once the command connection is ready again. */
  private async resend(): Promise<void> {
    if (this.resending) return;
    this.resending = true;
    try {
      for (let next = this.unsent[0]; next; next = this.unsent[0]) {
        let message: string | undefined = next.message;
        if (next.revise) {
          try {
            message = await reviseInTime(next.revise, next.message);
          } catch (e) {
            // Sent as kept: a receiver takes a stale message in its stride, a lost one it cannot.
            this.log.warn({ err: e }, 'revising a message kept for Redis failed; sending it as kept');
          }
        }
        try {
          if (message !== undefined) await this.client.publish(next.channel, message);
        } catch {
          return; // down again: the next 'ready' resumes
        }
        // Shifted only now: a message kept meanwhile is pushed behind it (close() may have emptied
        // the queue meanwhile).
        if (this.unsent[0] !== next) return;
        this.unsent.shift();
        this.unsentBytes -= next.message.length;
      }
    } finally {
      this.resending = false;
    }
  }

  /** Messages kept because Redis did not take them, not yet sent (a one-off process reports them). */
  get unsentCount(): number {
    return this.unsent.length;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.backoff.close();
    this.unsent.length = 0;
    this.unsentBytes = 0;
    this.handlers.clear();
    this.readyListeners.length = 0;
    this.downListeners.length = 0;
    const sub = await this.subscriber?.catch(() => undefined);
    await Promise.allSettled([end(this.client), sub && end(sub)]);
  }
}

/**
 * Closes a connection for good. QUIT says goodbye to a Redis that answers; a connection that is
 * down refuses it at once (no offline queue) and would go on reconnecting every few seconds for
 * ever — keeping the process alive after everything else closed — so it is also disconnected,
 * which ends its reconnecting (and does nothing to one QUIT already closed).
 */
async function end(redis: Redis): Promise<void> {
  try {
    if (redis.status === 'ready') await redis.quit();
  } catch {
    // Not answered (or closed meanwhile): disconnected below all the same.
  } finally {
    redis.disconnect();
  }
}

/**
 * Connects, or fails with why: ioredis rejects a failed connect with "Connection is closed", and
 * the reason (ECONNREFUSED, a DNS failure, a bad password…) comes as an 'error' event first.
 */
async function connectOrExplain(redis: Redis): Promise<void> {
  let cause: Error | undefined;
  const remember = (e: Error) => {
    cause ??= e;
  };
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    const reason = (cause ?? (e as Error)).message.replace(/\.$/, '');
    throw new RedisUnreachableError(`cannot reach Redis (REDIS_URL): ${reason}`);
  } finally {
    redis.off('error', remember);
  }
}

/**
 * Makes sure the connection is on the URL's database. ioredis sends that SELECT while connecting,
 * but a refusal (`redis://…/99` on a server with 16 databases) only becomes an 'error' event, and
 * the connection goes on in database 0: another deployment's keys, and a wrong URL nobody hears
 * of. So it is selected once more here, and a refusal is a configuration error — not an outage:
 * retrying would not help. The subscriber connection needs no check: channels are not per database.
 */
async function selectOrExplain(redis: Redis): Promise<void> {
  const db = redis.options.db ?? 0;
  if (db === 0) return;
  try {
    await redis.select(db);
  } catch (e) {
    redis.disconnect();
    const reason = (e as Error).message.replace(/\.$/, '');
    if (e instanceof ReplyError)
      throw new ConfigError('REDIS_URL', `Redis refused database ${db}: ${reason}`);
    throw new RedisUnreachableError(`cannot reach Redis (REDIS_URL): ${reason}`);
  }
}
