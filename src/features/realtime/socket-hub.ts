import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { PublishedNotification } from '../notifications/notification-events.js';
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
  /** Ids of the last notifications this socket was given (at most RECENT), so none goes twice. */
  recent: string[];
}

/** How many notification ids each socket remembers; a catch-up reaches back a few seconds only. */
const RECENT = 100;

export interface SocketHubOptions {
  heartbeatMs: number;
  log: Pick<Logger, 'debug' | 'warn'>;
  /** A client this far behind (bytes queued) is cut off; on reconnect it gets its backlog. */
  maxBufferedBytes?: number;
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

  constructor(private readonly options: SocketHubOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
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
    const client: SocketClient = { userId, socket, ...session, alive: true, held: [], recent: [] };
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
   * has it (a catch-up after a lost subscription re-reads the last seconds).
   */
  deliver(rows: readonly PublishedNotification[]): void {
    for (const row of rows) {
      const set = this.byUser.get(row.user_id);
      if (!set) continue;
      // Serialised once, however many sockets the user has.
      let frame: string | undefined;
      for (const client of set) {
        if (client.recent.includes(row.id)) continue;
        this.remember(client, row.id);
        frame ??= notificationFrame(row);
        if (client.held) client.held.push({ id: row.id, frame });
        else this.send(client, frame);
      }
    }
  }

  private remember(client: SocketClient, id: string): void {
    client.recent.push(id);
    if (client.recent.length > RECENT) client.recent.shift();
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
