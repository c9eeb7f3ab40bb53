import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type PublishedNotification, stillUnread } from '../notifications/notification-events.js';
import { type CatchUpState, catchUpAfterOutages } from './catch-up.js';
import { createNotificationBus } from './create-bus.js';
import type { NotificationBus } from './notification-bus.js';
import { GOING_AWAY } from './notification-frames.js';
import { NotificationSocket } from './notification-socket.js';
import type { RealtimeSettings } from './realtime-settings.js';
import { closeRevokedSockets } from './revoked-sockets.js';
import { SocketHub } from './socket-hub.js';
import { LocalSocketQuota, RedisSocketQuota, type SocketQuota } from './socket-quota.js';
import { chooseProtocol, socketToken } from './socket-token.js';
import { recheckTokenVersions } from './token-recheck.js';

/** Shutting down, how long a socket has to answer the close frame before it is cut off. */
const CLOSE_HANDSHAKE_MS = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * THE way to announce notifications: call it with the rows once their transaction has
     * committed, from any code path that creates them (sweep, scan, API). It reaches every socket
     * of each owner on every instance (via Redis when REDIS_URL is set). Never throws.
     */
    publishNotifications: (rows: readonly PublishedNotification[]) => Promise<void>;
    notificationBus: NotificationBus;
    socketHub: SocketHub;
    /** Leases for open sockets: WS_MAX_SOCKETS_PER_USER, across instances with Redis. */
    socketQuota: SocketQuota;
    /** The catch-ups after Redis outages (without Redis: none, ever idle). */
    notificationCatchUps: CatchUpState;
  }
}

/**
 * Live notifications: `GET /api/ws/notification` and the bus that feeds it. Registered at the
 * root (not inside the /api scope), because the API's onRequest authentication would answer a
 * bad token with an HTTP 401 to the upgrade; a socket is refused with close code 1008 instead.
 * Needs the auth plugin (`app.tokens`) and the db plugin (`app.database`).
 */
async function realtimePlugin(app: FastifyInstance, settings: RealtimeSettings): Promise<void> {
  const bus = await createNotificationBus(app.redis, settings.redisChannel, app.log, true, (ids) =>
    stillUnread(app.database, ids),
  );
  const hub = new SocketHub({
    heartbeatMs: settings.heartbeatSeconds * 1000,
    log: app.log,
    seenLimit: settings.backlogLimit + 10_000,
  });
  bus.onDeliver((rows) => hub.deliver(rows));
  const catchUps = app.redis ? catchUpAfterOutages(app.redis, hub, app.database, app.log) : { idle: true };
  closeRevokedSockets(app.tokenVersions, hub, app.database, app.log);
  // And at every heartbeat, in case a broadcast was lost for good (token-recheck.ts).
  const stopRecheck = recheckTokenVersions(app.database, hub, app.log, settings.heartbeatSeconds * 1000);
  const quota: SocketQuota = app.redis
    ? new RedisSocketQuota(app.redis, settings.maxSocketsPerUser, { log: app.log })
    : new LocalSocketQuota(settings.maxSocketsPerUser);
  app.decorate('notificationBus', bus);
  app.decorate('socketHub', hub);
  app.decorate('socketQuota', quota);
  app.decorate('notificationCatchUps', catchUps);
  app.decorate('publishNotifications', (rows: readonly PublishedNotification[]) => bus.publish(rows));
  app.addHook('onClose', async () => {
    stopRecheck();
    hub.stop();
    await quota.close();
    await bus.close();
  });

  // Shutting down, sockets are told why (1001 Going Away) before @fastify/websocket's own preClose,
  // which runs after this one and would close them without a code (1005, which a client may take
  // for a deliberate end): clients reconnect — through the load balancer, to another instance —
  // and get what they missed as their backlog. A peer that does not answer the close (its network
  // is gone) is cut off soon after: the server's close waits for its connection, and ws would
  // wait 30 s for it, past the shutdown's grace period.
  app.addHook('preClose', async () => {
    const sockets = [...(app.websocketServer?.clients ?? [])];
    for (const socket of sockets) socket.close(GOING_AWAY, 'Server shutting down');
    if (sockets.length === 0) return;
    setTimeout(() => {
      for (const socket of sockets) socket.terminate();
    }, CLOSE_HANDSHAKE_MS).unref();
  });

  await app.register(websocket, {
    // The plugin's default logs every socket error at error level. A client that breaks the
    // protocol (a frame over maxPayload: ws has already closed with 1009) or drops the connection
    // is the client's doing: info. Anything else is still an error.
    errorHandler: (error, socket, request) => {
      const code = (error as { code?: unknown }).code;
      const clientSide = typeof code === 'string' && (code.startsWith('WS_ERR_') || code === 'ECONNRESET');
      if (clientSide) request.log.info({ err: error }, 'notification socket closed: client error');
      else request.log.error({ err: error }, 'notification socket failed');
      socket.terminate();
    },
    options: {
      // Client messages are small commands; a large frame is refused by ws before it is buffered.
      maxPayload: 4096,
      handleProtocols: (offered) => chooseProtocol(offered),
    },
  });

  app.route({
    method: 'GET',
    url: '/api/ws/notification',
    schema: { hide: true },
    config: { public: true },
    // A plain HTTP request (no Upgrade): 426 saying what to do, instead of @fastify/websocket's
    // empty 404 for a path that exists.
    handler: (_request, reply) =>
      reply
        .code(426)
        .header('upgrade', 'websocket')
        .header('connection', 'Upgrade')
        .send({ detail: 'Upgrade Required: connect to this path with a WebSocket client' }),
    wsHandler: (socket, request) => {
      // The upgrade never completes as an HTTP reply, so the access log line is written here.
      request.log.info({ req: request }, 'websocket opened');
      const connection = new NotificationSocket(socket, {
        database: app.database,
        tokens: app.tokens,
        tokenVersions: app.tokenVersions,
        hub,
        log: request.log,
        backlogLimit: settings.backlogLimit,
        quota,
      });
      connection.open(socketToken(request)).catch((e) => {
        request.log.error({ err: e }, 'opening a notification socket failed');
        socket.close(1011, 'Server error');
      });
    },
  });
}

export default fp(realtimePlugin, { name: 'realtime', dependencies: ['auth', 'db'] });
