import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { NotificationKey, PublishedNotification } from '../notifications/notification-events.js';
import { notificationFrame, POLICY_VIOLATION } from './notification-frames.js';

/** The token a socket was opened with: the socket lasts as long as that token is valid. */
export interface SocketSession {
  /** The user's token version the token was issued under (a password change raises it). */
  tokenVersion: number;
  /** When the token expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/** One open socket of one user. */
export interface SocketClient extends SocketSession {
  readonly userId: string;
  readonly socket: WebSocket;
  alive: boolean;
  /** Live notifications that arrived while the backlog was being read: sent after it, in order. */
  held: { id: string; frame: string }[] | undefined;
  /**
   * Ids of the notifications this socket was given (the backlog, live ones, a catch-up's), oldest
   * first, so that none goes twice: a notification can come again from a catch-up (which re-reads
   * the unread ones from `horizon` on) and from Redis (a publish that failed is delivered here at
   * once and sent again when Redis is back). At most the hub's `seenLimit`; past it the oldest are
   * forgotten and `forgot` is set.
   */
  seen: Set<string>;
  /**
   * Where a catch-up starts for this socket: the unread notifications it was not sent on connect
   * are the ones before this key (those past the backlog limit). Undefined: it was sent all.
   */
  horizon: NotificationKey | undefined;
  /** `seen` overflowed: a catch-up cannot tell what this socket has, so it is told to re-fetch. */
  forgot: boolean;
}

/**
 * Before a socket's backlog is read, its catch-up starts this long before it was registered (clocks
 * of instances differ a little); the backlog then sets the real horizon.
 */
const CLOCK_MARGIN_MS = 30_000;

export interface SocketHubOptions {
  heartbeatMs: number;
  log: Pick<Logger, 'debug' | 'warn'>;
  /** A client this far behind (bytes queued) is cut off; on reconnect it gets its backlog. */
  maxBufferedBytes?: number;
  /**
   * Notification ids each socket remembers (default 10,200: a full default backlog and 10,000
   * more). What can come again is what it was sent since it connected that is still unread, and
   * what this instance could not publish; a socket past the limit is told to re-fetch instead.
   */
  seenLimit?: number;
}

/**
 * This instance's open notification sockets, by user: every socket of a user gets every one of
 * that user's notifications (several tabs and devices), and nobody else's. Also the heartbeat: a
 * socket that did not answer the previous ping is terminated, so dead peers do not pile up, and
 * one whose token has expired is closed (1008), as an HTTP request with that token would be refused.
 */
export class SocketHub {
  private readonly byUser = new Map<string, Set<SocketClient>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBuffered: number;
  private readonly seenLimit: number;

  constructor(private readonly options: SocketHubOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.seenLimit = options.seenLimit ?? 10_200;
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Open sockets of `userId` on this instance. */
  count(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  /** Open sockets on this instance. */
  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Registers a socket; it receives live notifications from now on, held until `release`. */
  add(userId: string, socket: WebSocket, session: SocketSession): SocketClient {
    const client: SocketClient = {
      userId,
      socket,
      ...session,
      alive: true,
      held: [],
      seen: new Set(),
      horizon: { created_at: new Date(Date.now() - CLOCK_MARGIN_MS), id: '' },
      forgot: false,
    };
    let set = this.byUser.get(userId);
    if (!set) {
      set = new Set();
      this.byUser.set(userId, set);
    }
    set.add(client);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.once('close', () => this.remove(client));
    return client;
  }

  remove(client: SocketClient): void {
    const set = this.byUser.get(client.userId);
    if (!set) return;
    set.delete(client);
    if (set.size === 0) this.byUser.delete(client.userId);
  }

  /**
   * Closes the user's sockets opened with a token that is no longer valid: issued under another
   * token version than `currentVersion` (the password changed), or any when the user is gone
   * (`undefined`). Returns how many were closed.
   */
  endRevoked(userId: string, currentVersion: number | undefined): number {
    let closed = 0;
    for (const client of this.byUser.get(userId) ?? []) {
      if (client.tokenVersion === currentVersion) continue;
      this.end(client, 'Access token revoked');
      closed++;
    }
    return closed;
  }

  private end(client: SocketClient, reason: string): void {
    this.remove(client);
    const { socket } = client;
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) {
      socket.close(POLICY_VIOLATION, reason);
    }
  }

  /** Users with at least one open socket on this instance. */
  users(): string[] {
    return [...this.byUser.keys()];
  }

  /** The user's open sockets on this instance. */
  clientsOf(userId: string): readonly SocketClient[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Sends one of the user's notifications (the backlog), remembering that this socket has it. */
  sendNotification(client: SocketClient, row: PublishedNotification): void {
    this.remember(client, row.id);
    this.send(client, notificationFrame(row));
  }

  /** Ends the backlog phase: sends what was held, except what the backlog already carried. */
  release(client: SocketClient, alreadySent: Set<string>): void {
    const held = client.held ?? [];
    client.held = undefined;
    for (const h of held) if (!alreadySent.has(h.id)) this.send(client, h.frame);
  }

  /**
   * Pushes each notification to every local socket of its owner, skipping a socket that already
   * has it (a catch-up, or a message Redis delivers again).
   */
  deliver(rows: readonly PublishedNotification[]): void {
    for (const row of rows) {
      const set = this.byUser.get(row.user_id);
      if (!set) continue;
      // Serialised once, however many sockets the user has.
      let frame: string | undefined;
      for (const client of set) frame = this.deliverTo(client, row, frame);
    }
  }

  /**
   * Pushes one notification of the client's user to it, unless it has it (or it is closed); held
   * while its backlog is being read. Returns the frame, to be reused for the user's other sockets.
   */
  deliverTo(client: SocketClient, row: PublishedNotification, frame?: string): string | undefined {
    if (client.userId !== row.user_id || client.seen.has(row.id)) return frame;
    if (this.byUser.get(client.userId)?.has(client) !== true) return frame;
    this.remember(client, row.id);
    const f = frame ?? notificationFrame(row);
    if (client.held) client.held.push({ id: row.id, frame: f });
    else this.send(client, f);
    return f;
  }

  private remember(client: SocketClient, id: string): void {
    client.seen.add(id);
    if (client.seen.size <= this.seenLimit) return;
    for (const oldest of client.seen) {
      client.seen.delete(oldest);
      break;
    }
    client.forgot = true;
  }

  send(client: SocketClient, frame: string): void {
    const { socket } = client;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.maxBuffered) {
      this.options.log.warn({ userId: client.userId }, 'notification socket too slow; dropped');
      socket.terminate();
      return;
    }
    socket.send(frame);
  }

  private beat(): void {
    const now = Date.now();
    for (const set of this.byUser.values()) {
      for (const client of set) {
        if (client.expiresAt <= now) {
          this.end(client, 'Access token expired');
          continue;
        }
        if (!client.alive) {
          this.options.log.debug(
            { userId: client.userId },
            'notification socket missed a heartbeat; dropped',
          );
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
    }
  }

  /** Stops the heartbeat. Sockets are closed by @fastify/websocket when the server closes. */
  stop(): void {
    clearInterval(this.heartbeat);
  }
}
