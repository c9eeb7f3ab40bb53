import type { FastifyBaseLogger } from 'fastify';
import type { SharedRedis } from '../../app/shared-redis.js';
import type { AppDatabase } from '../../db/database.js';
import {
  atOrAfter,
  type CatchUpFrom,
  type NotificationKey,
  unreadPage,
} from '../notifications/notification-events.js';
import { withScanData } from '../notifications/scan-frame-data.js';
import { resyncFrame } from './notification-frames.js';
import type { SocketClient, SocketHub } from './socket-hub.js';

/** Users per query of a catch-up. */
const USERS_PER_QUERY = 100;
/** Notifications per page of a catch-up: it reads page after page until there are no more. */
const PAGE = 1000;

/** Where the catch-ups stand: what tests (and anyone curious) wait for instead of sleeping. */
export interface CatchUpState {
  /** None is owed (the subscription dropped and is not back yet) or under way. */
  readonly idle: boolean;
}

/**
 * Redis pub/sub keeps nothing: while this instance's subscription is down, notifications that
 * other instances (or `expireeye sweep`) publish never reach its sockets, though the sockets stay
 * open. When the subscription is back, each socket is sent every unread notification of its user
 * that it does not have (`seen`), from its horizon on (what it was not sent on connect stays
 * unsent) — read by key, all of them, page by page, however old their created_at (a sweep's rows
 * carry its start time, and a long sweep commits them much later). A socket that has forgotten what
 * it was sent (past the hub's limit) cannot be caught up without repeats: it is sent a `resync`
 * frame instead, telling the client to fetch its notifications; so is every socket the catch-up
 * could not finish for (the database failed it). Catch-ups run one at a time.
 */
export function catchUpAfterOutages(
  redis: SharedRedis,
  hub: SocketHub,
  database: AppDatabase,
  log: Pick<FastifyBaseLogger, 'error' | 'info'>,
): CatchUpState {
  let dropped = false;
  let owed = 0;
  let running: Promise<void> = Promise.resolve();
  redis.onSubscriberDown(() => {
    dropped = true;
  });
  redis.onSubscriberReady(() => {
    if (!dropped) return;
    dropped = false;
    owed++;
    running = running
      .then(() => catchUp(hub, database, log))
      .catch((e: unknown) =>
        log.error({ err: e }, 'catching up on notifications after a Redis outage failed'),
      )
      .finally(() => {
        owed--;
      });
  });
  return {
    get idle() {
      return !dropped && owed === 0;
    },
  };
}

/** One catch-up of every socket open on this instance now. */
export async function catchUp(
  hub: SocketHub,
  database: AppDatabase,
  log: Pick<FastifyBaseLogger, 'error' | 'info'>,
): Promise<void> {
  const users: CatchUpFrom[] = [];
  for (const userId of hub.users()) {
    const clients = hub.clientsOf(userId).filter((c) => !resynced(hub, c));
    if (clients.length === 0) continue;
    users.push({ userId, from: earliest(clients.map((c) => c.horizon)) });
  }
  let sent = 0;
  for (let i = 0; i < users.length; i += USERS_PER_QUERY) {
    try {
      sent += await catchUpBatch(hub, database, users.slice(i, i + USERS_PER_QUERY));
    } catch (e) {
      // The database did not give what these sockets missed (a read timed out, the connection
      // was lost). Left at that, they would miss it for good — the next catch-up comes only with
      // the next outage — so they, and the sockets not reached yet, are told to fetch their
      // notifications themselves (a client whose fetch meets the same outage gets a 503 and
      // fetches again later).
      let told = 0;
      for (const { userId } of users.slice(i)) {
        for (const client of hub.clientsOf(userId)) {
          resync(hub, client);
          told++;
        }
      }
      log.error(
        { err: e, sockets: told },
        'catching up on notifications failed: the sockets left were sent resync',
      );
      break;
    }
  }
  if (sent) log.info({ notifications: sent }, 'notification bus back: caught up');
}

/** Catches up the sockets of up to USERS_PER_QUERY users; how many notifications they were sent. */
async function catchUpBatch(hub: SocketHub, database: AppDatabase, batch: CatchUpFrom[]): Promise<number> {
  let sent = 0;
  for (let page: NotificationKey | undefined; ; ) {
    const rows = await unreadPage(database, batch, page, PAGE);
    for (const row of await withScanData(database, rows)) {
      let frame: string | undefined;
      for (const client of hub.clientsOf(row.user_id)) {
        // It may overflow during this catch-up too (a huge one).
        if (resynced(hub, client) || (client.horizon && !atOrAfter(row, client.horizon))) continue;
        if (!client.seen.has(row.id)) sent++;
        frame = hub.deliverTo(client, row, frame);
      }
    }
    if (rows.length < PAGE) return sent;
    page = rows[rows.length - 1];
  }
}

/**
 * A socket that forgot what it was sent is told to re-fetch (and is left out of this catch-up);
 * from then on, a catch-up starts at the notifications created after this moment, and the socket
 * remembers afresh (left full, its memory would overflow again with the next notification, and
 * every later outage would send another resync).
 */
function resynced(hub: SocketHub, client: SocketClient): boolean {
  if (!client.forgot) return false;
  resync(hub, client);
  return true;
}

/** Tells the socket to re-fetch its notifications; it remembers afresh from now on. */
function resync(hub: SocketHub, client: SocketClient): void {
  client.forgot = false;
  client.seen.clear();
  client.horizon = { created_at: new Date(), id: '' };
  hub.send(client, resyncFrame());
}

/** The earliest of the sockets' horizons (undefined, the beginning, if any has none). */
function earliest(horizons: (NotificationKey | undefined)[]): NotificationKey | undefined {
  let first: NotificationKey | undefined;
  for (const h of horizons) {
    if (!h) return undefined;
    if (!first || !atOrAfter(h, first)) first = h;
  }
  return first;
}
