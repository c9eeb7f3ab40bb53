import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { HttpError } from '../../app/http-error.js';
import type { TokenVersions } from '../../app/token-versions.js';
import type { AuthUser, Tokens } from '../../app/tokens.js';
import { unavailableDetail } from '../../app/unavailable-detail.js';
import type { AppDatabase } from '../../db/database.js';
import { unavailableKind } from '../../db/errors.js';
import { unreadBacklog } from '../notifications/notification-events.js';
import { withScanData } from '../notifications/scan-frame-data.js';
import { NotificationService } from '../notifications/service.js';
import {
  connectionEstablished,
  errorFrame,
  POLICY_VIOLATION,
  pong,
  replyFrame,
} from './notification-frames.js';
import type { SocketClient, SocketHub } from './socket-hub.js';
import type { SocketQuota } from './socket-quota.js';

/** Client messages waiting to be handled, per socket; beyond this the client is flooding. */
const MAX_QUEUED_MESSAGES = 64;

export interface SocketDeps {
  database: AppDatabase;
  tokens: Tokens;
  tokenVersions: TokenVersions;
  hub: SocketHub;
  log: FastifyBaseLogger;
  backlogLimit: number;
  /** WS_MAX_SOCKETS_PER_USER, across instances when they share a Redis. */
  quota: SocketQuota;
}

/**
 * One connection of /api/ws/notification, from the handshake to close:
 * authenticate (1008 with a reason on failure) → register with the hub → CONNECTION_ESTABLISHED →
 * the unread backlog → live notifications. Client messages are handled one at a time in order,
 * from the end of the backlog on (held until then);
 * none of them, however malformed, closes the socket (the original's crashed on `PING`).
 */
export class NotificationSocket {
  private user?: AuthUser;
  private client?: SocketClient;
  private readonly queue: { data: RawData; isBinary: boolean }[] = [];
  private draining = false;
  private readonly service: NotificationService;

  constructor(
    private readonly socket: WebSocket,
    private readonly deps: SocketDeps,
  ) {
    this.service = new NotificationService(deps.database);
    // Attached at once: messages sent right after the handshake must not be lost while we authenticate.
    socket.on('message', (data, isBinary) => this.enqueue(data, isBinary));
    socket.on('error', (e) => deps.log.debug({ err: e }, 'notification socket error'));
  }

  async open(token: string | undefined): Promise<void> {
    const { deps, socket } = this;
    if (!token) return this.refuse('Missing access token');
    const claimed = deps.tokens.verify(token);
    if (!claimed) return this.refuse('Invalid or expired access token');
    if (!(await deps.tokenVersions.accepts(claimed))) return this.refuse('Invalid or expired access token');
    const lease = await deps.quota.acquire(claimed.id);
    if (!lease) return this.refuse('Too many open notification sockets for this user');
    if (socket.readyState !== socket.OPEN) return lease.release();
    socket.once('close', () => lease.release());
    // Registered before the backlog is read, so nothing created in between is missed; what arrives
    // meanwhile is held and sent after the backlog, without the ones the backlog already had.
    const client = deps.hub.add(claimed.id, socket, {
      tokenVersion: claimed.version,
      expiresAt: claimed.expiresAt,
    });
    this.client = client;
    // Checked again once registered: a password change or account deletion that landed while the
    // lease was being taken has already swept the hub, so it would not see this socket.
    if (!(await deps.tokenVersions.accepts(claimed))) {
      deps.hub.remove(client);
      return this.refuse('Access token revoked');
    }
    deps.hub.send(client, connectionEstablished(claimed.id));
    const sent = new Set<string>();
    try {
      if (deps.backlogLimit > 0) {
        const backlog = await unreadBacklog(deps.database, claimed.id, deps.backlogLimit);
        for (const row of await withScanData(deps.database, backlog)) {
          sent.add(row.id);
          deps.hub.sendNotification(client, row);
        }
        // A catch-up after a lost subscription re-reads the unread notifications from the oldest
        // one sent here on; all of them when the backlog held every one there was.
        const oldest = backlog[0];
        client.horizon =
          backlog.length < deps.backlogLimit || !oldest
            ? undefined
            : { created_at: oldest.created_at, id: oldest.id };
      }
    } catch (e) {
      deps.log.error({ err: e }, 'reading the notification backlog failed');
      deps.hub.send(client, errorFrame('Missed notifications could not be loaded'));
    }
    deps.hub.release(client, sent);
    // Messages are handled from here on, after the backlog: a client's `mark_all_read` sent as
    // soon as it connected applies to what the backlog showed it, and its PING's pong means the
    // backlog has been sent.
    this.user = { id: claimed.id, email: claimed.email };
    void this.drain();
  }

  private refuse(reason: string): void {
    this.queue.length = 0;
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(POLICY_VIOLATION, reason);
  }

  private enqueue(data: RawData, isBinary: boolean): void {
    if (this.queue.length >= MAX_QUEUED_MESSAGES) {
      this.refuse('Too many messages');
      return;
    }
    this.queue.push({ data, isBinary });
    if (this.user) void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let m = this.queue.shift(); m; m = this.queue.shift()) {
        const reply = await this.handle(m.data, m.isBinary);
        if (this.client) this.deps.hub.send(this.client, reply);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The reply to one client message. */
  private async handle(data: RawData, isBinary: boolean): Promise<string> {
    if (isBinary) return errorFrame('Send JSON text frames');
    const text = rawText(data).trim();
    if (text.toUpperCase() === 'PING') return pong();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return errorFrame('Not JSON: send {"action": "mark_read", "id": "…"} or PING');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return errorFrame('Expected a JSON object with an "action"');
    }
    const o = msg as Record<string, unknown>;
    const action = typeof o.action === 'string' ? o.action : typeof o.type === 'string' ? o.type : undefined;
    const user = this.user!;
    try {
      switch (action?.toLowerCase()) {
        case 'ping':
          return pong();
        case 'mark_read': {
          if (typeof o.id !== 'string' || o.id.length === 0 || o.id.length > 64) {
            return errorFrame('mark_read needs the notification "id"');
          }
          const r = await this.service.markRead(user, o.id);
          return replyFrame('mark_read', { id: o.id, message: r.message });
        }
        case 'mark_all_read': {
          const r = await this.service.markAllRead(user);
          return replyFrame('mark_all_read', { updated: r.updated, message: r.message });
        }
        default:
          return errorFrame(`Unknown action; use "mark_read", "mark_all_read" or PING`);
      }
    } catch (e) {
      // Another user's id is "not found", exactly like an unknown one.
      if (e instanceof HttpError) return errorFrame(e.detail, typeof o.id === 'string' ? { id: o.id } : {});
      // The database could not serve: said as the HTTP API's 503 says it (why, and whether
      // trying again shortly can help); the socket stays open for when it is back.
      const unavailable = unavailableKind(e);
      this.deps.log.error(
        { err: e },
        unavailable ? 'database unavailable' : 'notification socket message failed',
      );
      return errorFrame(
        unavailable ? unavailableDetail(unavailable, false) : 'The request could not be handled',
      );
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
