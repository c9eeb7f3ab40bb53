import { SharedRedis } from '../../app/shared-redis.js';
import { databaseFromEnv } from '../../config/database-config.js';
import { redisConfig } from '../../config/redis-config.js';
import { openDatabase } from '../../db/database.js';
import { ConfigurationError } from '../../migrate/index.js';
import { createNotificationBus } from '../realtime/create-bus.js';
import type { NotificationBus } from '../realtime/notification-bus.js';
import { realtimeSettings } from '../realtime/realtime-settings.js';
import { expirySettings } from './expiry-settings.js';
import { runExpirySweep } from './expiry-sweep.js';

export const SWEEP_USAGE = `usage: expireeye sweep [--json]

Runs one expiry sweep and exits (for cron or a Kubernetes CronJob): marks active items dated
before today as expired and creates their "expired" and "expiring soon" notifications, each at
most once. With REDIS_URL set they are pushed to the sockets of the running servers.
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
  const database = await openDatabase(url, { poolSize: 1 });
  try {
    // Redis down must not stop the sweep itself: the notifications are stored either way, and
    // users get them when their socket next connects.
    let bus: NotificationBus | undefined;
    let redis: SharedRedis | undefined;
    try {
      if (redisSettings.url) {
        redis = await SharedRedis.connect(
          { url: redisSettings.url, keyPrefix: redisSettings.keyPrefix },
          log,
        );
      }
      bus = await createNotificationBus(redis, realtime.redisChannel, log, false);
    } catch (e) {
      warn(`${(e as Error).message}; sweeping without pushing to the servers`);
    }
    try {
      // Each chunk's notifications are pushed as soon as it commits, so a catch-up of many
      // items never holds them all in memory, and a run cut short has pushed what it stored.
      const r = await runExpirySweep(database, {
        now: new Date(),
        timeZone: settings.timeZone,
        warningDays: settings.warningDays,
        chunkSize: settings.chunkSize,
        ...(bus ? { publish: bus.publish.bind(bus) } : {}),
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
            published: bus && redis ? 'redis' : 'none',
            ms: Math.round(r.durationMs),
          })}\n`,
        );
      } else if (r.skipped) {
        process.stdout.write('Another process is sweeping this database right now; nothing done.\n');
      } else {
        process.stdout.write(
          `Swept for ${r.today} (${settings.timeZone}) in ${Math.round(r.durationMs)} ms: ` +
            `${r.expired} item(s) marked expired, ${r.expiredNotifications} "expired" and ${r.expiringSoonNotifications} "expiring soon" ` +
            `notification(s) created${created > 0 && !(bus && redis) ? ' (not pushed: users get them when they next connect)' : ''}.\n`,
        );
      }
      return 0;
    } finally {
      await bus?.close();
      await redis?.close();
    }
  } catch (e) {
    process.stderr.write(`expireeye sweep: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await database.destroy();
  }
}
