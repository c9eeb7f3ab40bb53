import { SharedRedis } from '../../app/shared-redis.js';
import { databaseFromEnv } from '../../config/database-config.js';
import { redisConfig } from '../../config/redis-config.js';
import { openDatabase } from '../../db/database.js';
import { ConfigurationError } from '../../migrate/index.js';
import { stillUnread } from '../notifications/notification-events.js';
import { createNotificationBus } from '../realtime/create-bus.js';
import { realtimeSettings } from '../realtime/realtime-settings.js';
import { expirySettings } from './expiry-settings.js';
import { runExpirySweep } from './expiry-sweep.js';

export const SWEEP_USAGE = `usage: expireeye sweep [--json]

Runs one expiry sweep and exits (for cron or a Kubernetes CronJob): marks active items dated
before today as expired and creates their "expired" and "expiring soon" notifications, each at
most once. With REDIS_URL set they are pushed to the sockets of the running servers; a Redis
that cannot be reached then stops it before it sweeps anything (exit 1), so that the next run
sweeps and pushes them (notifications stored unpushed would reach open sockets no more).
It works in chunks of SWEEP_CHUNK_SIZE items, each committed (and pushed) on its own: stopped
midway, it leaves the chunks done, and the next run does the rest.
Settings: DATABASE_URL, APP_TIMEZONE, EXPIRY_WARNING_DAYS, SWEEP_CHUNK_SIZE, REDIS_URL, REDIS_CHANNEL.
  --json   print the result as one JSON object
`;

/** `expireeye sweep`: exit code 0 when the sweep ran (or another process was running it), 1 on error. */
export async function sweepCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(SWEEP_USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    process.stderr.write(`expireeye sweep: unknown argument '${unknown[0]}'\n${SWEEP_USAGE}`);
    return 2;
  }
  const json = args.includes('--json');
  // One plain line per problem on stderr: this runs in cron mails and CronJob logs, not a log pipeline.
  const warn = (o: unknown, msg?: string) => {
    const detail = (o as { err?: { message?: string } })?.err?.message;
    process.stderr.write(`expireeye sweep: ${msg ?? String(o)}${detail ? `: ${detail}` : ''}\n`);
  };
  const log = { warn, error: warn };
  let settings: ReturnType<typeof expirySettings>;
  let realtime: ReturnType<typeof realtimeSettings>;
  let redisSettings: ReturnType<typeof redisConfig>;
  let url: ReturnType<typeof databaseFromEnv>;
  try {
    url = databaseFromEnv(env);
    settings = expirySettings(env);
    realtime = realtimeSettings(env);
    redisSettings = redisConfig(env);
  } catch (e) {
    if (e instanceof ConfigurationError) {
      process.stderr.write(`expireeye sweep: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // With REDIS_URL set, a Redis that cannot be reached stops the run before anything is swept, as
  // it stops a server from starting: a sweep that stored its notifications without pushing them
  // would leave the open sockets without them (the next run finds nothing left to do) while cron
  // saw success. Refused, the next run (Redis back) sweeps and pushes them.
  let redis: SharedRedis | undefined;
  if (redisSettings.url) {
    try {
      redis = await SharedRedis.connect({ url: redisSettings.url, keyPrefix: redisSettings.keyPrefix }, log);
    } catch (e) {
      // RedisUnreachableError, or a database the server refuses (a ConfigError naming REDIS_URL).
      if (!(e instanceof ConfigurationError)) throw e;
      process.stderr.write(`expireeye sweep: ${e.message}; nothing swept\n`);
      return 1;
    }
  }
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    database = await openDatabase(url, { poolSize: 1 });
    const db = database;
    const bus = await createNotificationBus(redis, realtime.redisChannel, log, false, (ids) =>
      stillUnread(db, ids),
    );
    try {
      // Each chunk's notifications are pushed as soon as it commits, so a catch-up of many
      // items never holds them all in memory, and a run cut short has pushed what it stored.
      const r = await runExpirySweep(database, {
        now: new Date(),
        timeZone: settings.timeZone,
        warningDays: settings.warningDays,
        chunkSize: settings.chunkSize,
        publish: bus.publish.bind(bus),
      });
      const created = r.expiredNotifications + r.expiringSoonNotifications;
      if (json) {
        process.stdout.write(
          `${JSON.stringify({
            today: r.today,
            timeZone: settings.timeZone,
            skipped: r.skipped,
            expired: r.expired,
            expiredNotifications: r.expiredNotifications,
            expiringSoonNotifications: r.expiringSoonNotifications,
            chunks: r.chunks,
            published: redis ? 'redis' : 'none',
            ms: Math.round(r.durationMs),
          })}\n`,
        );
      } else if (r.skipped) {
        process.stdout.write('Another process is sweeping this database right now; nothing done.\n');
      } else {
        process.stdout.write(
          `Swept for ${r.today} (${settings.timeZone}) in ${Math.round(r.durationMs)} ms: ` +
            `${r.expired} item(s) marked expired, ${r.expiredNotifications} "expired" and ${r.expiringSoonNotifications} "expiring soon" ` +
            `notification(s) created${created > 0 && !redis ? ' (not pushed: users get them when they next connect)' : ''}.\n`,
        );
      }
      // Redis stopped answering during the run: what it did not take is lost with this process
      // (a server would resend it). Stored all the same, so users get it when they next connect;
      // the exit code tells cron the pushes failed.
      const unsent = redis?.unsentCount ?? 0;
      if (unsent > 0) {
        process.stderr.write(
          `expireeye sweep: ${unsent} message(s) could not be pushed (Redis stopped answering); ` +
            'the notifications are stored and reach users when they next connect\n',
        );
        return 1;
      }
      return 0;
    } finally {
      await bus.close();
    }
  } catch (e) {
    process.stderr.write(`expireeye sweep: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await database?.destroy();
    await redis?.close();
  }
}
