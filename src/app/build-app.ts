import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import { redisConfig } from '../config/redis-config.js';
import { loadScanningConfig, type ScanningConfig } from '../config/scanning-config.js';
import { type AppDatabase, openDatabase } from '../db/database.js';
import { SchemaStatus } from '../db/schema-status.js';
import authRoutes from '../features/auth/routes.js';
import catalogueRoutes from '../features/catalogue/routes.js';
import expiryPlugin from '../features/expiry/expiry-plugin.js';
import { expirySettings } from '../features/expiry/expiry-settings.js';
import { clientDay, localDate } from '../features/expiry/local-date.js';
import exportRoutes from '../features/export/routes.js';
import inventoryRoutes from '../features/inventory/routes.js';
import notificationRoutes from '../features/notifications/routes.js';
import realtimePlugin from '../features/realtime/realtime-plugin.js';
import { realtimeSettings } from '../features/realtime/realtime-settings.js';
import scanningPlugin from '../features/scans/plugin.js';
import type { ScanNotifier } from '../features/scans/service.js';
import statsRoutes from '../features/stats/routes.js';
import statusRoutes from '../features/status/routes.js';
import type { Output } from '../migrate/index.js';
import { AccessLog } from './access-log.js';
import { clientErrorHandler } from './client-error.js';
import { ErrorDetail, ValidationErrors } from './common-schemas.js';
import { defaultLogger, loggerOutput } from './logger.js';
import authPlugin from './plugins/auth.js';
import corsPlugin from './plugins/cors.js';
import databaseDeadlinePlugin from './plugins/database-deadline.js';
import dbPlugin from './plugins/db.js';
import errorsPlugin from './plugins/errors.js';
import helmetPlugin from './plugins/helmet.js';
import inFlightPlugin from './plugins/in-flight.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import redisPlugin from './plugins/redis.js';
import swaggerPlugin from './plugins/swagger.js';
import { rejectNulCharacters, validatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
    /** Today's date ('YYYY-MM-DD') in `APP_TIMEZONE`: one calendar for the sweep, lists and stats. */
    today: () => string;
    /** The day a client's date or date-time names, on the same calendar (`clientDay`). */
    dayOf: (raw: string) => string;
  }
}

export interface BuildAppOptions {
  config: AppConfig;
  /** An open database; when absent one is opened from `config.database` and closed with the app. */
  database?: AppDatabase;
  /** Fastify's logger option; default: pino at `config.logLevel`, pretty when stdout is a terminal. */
  logger?: FastifyServerOptions['logger'];
  /** Where the migration engine's messages go (status checks, start-up upgrade). */
  migrationOutput?: Output;
  /** Environment for the migration config (script location, version table). */
  env?: NodeJS.ProcessEnv;
  /**
   * Scanning settings (default: from the environment), the `Product_Scanned` push, and the clock of
   * the barcode provider's back-off (ScanningPluginOptions.providerClock).
   */
  scanning?: { config?: ScanningConfig; notify?: ScanNotifier; providerClock?: () => number };
  /**
   * The moment whose date in APP_TIMEZONE is "today" for expiry dates and statistics (default: now).
   * Tests hold it at their start, so that a run that crosses midnight agrees with itself.
   */
  calendarClock?: () => Date;
}

const version: string = createRequire(import.meta.url)('../../../package.json').version;

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/**
 * Shutting down, how long the pool must have been unused before it closes: longer than a request
 * takes to go from one step to the next (its token check to its handler) without the database.
 */
const QUIET_DATABASE_MS = 50;

/** The Fastify instance with every plugin and route, ready to `listen` (server) or `inject` (tests). */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const loggerOptions = options.logger ?? defaultLogger(config.logLevel);
  const app = Fastify({
    logger: loggerOptions,
    // The nearest `trustProxy` hops are our proxies: what Fastify does with a number (which its
    // types do not take).
    trustProxy: config.trustProxy > 0 ? (_address: string, hop: number) => hop < config.trustProxy : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors Fastify raises before a route is chosen (a path with bad percent-encoding) in the
    // API's error shape, like every other error: `{"detail": …}`.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply).code(error.statusCode ?? 400).send({ detail: error.message });
    },
    clientErrorHandler,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    logController: new AccessLog(),
  });
  app.setValidatorCompiler(validatorCompiler());
  app.addHook('preValidation', rejectNulCharacters);
  // The request id goes back to the client. Shutting down, answers to requests still in flight
  // close their keep-alive connection, so closing the server does not wait for idle clients.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    const stream = (loggerOptions as { stream?: { flushSync?: () => void } } | undefined)?.stream;
    try {
      stream?.flushSync?.();
    } catch {
      // A write in progress: it completes on its own before the process exits.
    }
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.decorate('config', config);
  const { timeZone } = expirySettings(options.env ?? process.env);
  const calendarClock = options.calendarClock ?? (() => new Date());
  app.decorate('today', () => localDate(calendarClock(), timeZone));
  app.decorate('dayOf', (raw: string) => clientDay(raw, timeZone));

  // Checked before the database is opened: a bad REDIS_URL, or a bad scanning setting (a
  // provider key that cannot go in a header), stops the start with its one line.
  const redisSettings = redisConfig(options.env ?? process.env);
  const scanningConfig = options.scanning?.config ?? loadScanningConfig(options.env ?? process.env);
  const owns = !options.database;
  const database =
    options.database ??
    (await openDatabase(config.database, {
      poolSize: config.poolSize,
      timeoutMs: config.dbTimeoutSeconds * 1000,
      timeoutSetting: 'DB_TIMEOUT_SECONDS',
      onIdleConnectionError: (e) =>
        app.log.warn(
          { err: { message: e.message } },
          'an idle database connection was closed; the pool replaces it',
        ),
    }));
  const schemaStatus = new SchemaStatus(
    database,
    options.migrationOutput ?? loggerOutput(app),
    2000,
    options.env ?? process.env,
    config.dbTimeoutSeconds * 1000,
  );

  app.addSchema(ErrorDetail);
  app.addSchema(ValidationErrors);
  await app.register(inFlightPlugin);
  await app.register(errorsPlugin);
  await app.register(dbPlugin, { database, schemaStatus, owns });
  await app.register(databaseDeadlinePlugin);
  await app.register(helmetPlugin);
  await app.register(corsPlugin, { origins: config.corsOrigins });
  await app.register(redisPlugin, redisSettings);
  await app.register(rateLimitPlugin);
  if (config.apiDocs) await app.register(swaggerPlugin, { version });
  await app.register(authPlugin, {
    secret: config.secretKey,
    expiresMinutes: config.jwtExpiresMinutes,
    database,
  });

  // Live notifications (WebSocket, Redis fan-out) and the expiry sweep that feeds them.
  await app.register(realtimePlugin, realtimeSettings(options.env ?? process.env));
  await app.register(expiryPlugin, {
    ...expirySettings(options.env ?? process.env),
    intervalSeconds: config.sweepIntervalSeconds,
  });

  // Scan, QR and detection routes under /api, behind the same authentication; `app.scanning` for all.
  await app.register(scanningPlugin, {
    config: scanningConfig,
    notify: options.scanning?.notify,
    providerClock: options.scanning?.providerClock,
  });

  await app.register(
    async (api) => {
      api.addHook('onRequest', api.authenticate);
      await api.register(statusRoutes);
      await api.register(authRoutes, {
        bcryptCost: config.bcryptCost,
        loginMaxFailures: config.loginMaxFailures,
        loginFailureWindowSeconds: config.loginFailureWindowSeconds,
        loginMaxFailuresPerAccount: config.loginMaxFailuresPerAccount,
        authRateLimitPerMinute: config.authRateLimitPerMinute,
      });
      await api.register(catalogueRoutes);
      await api.register(inventoryRoutes);
      await api.register(notificationRoutes);
      await api.register(statsRoutes);
      await api.register(exportRoutes);
    },
    { prefix: '/api' },
  );

  // onClose hooks run in reverse order of registration: this one, added last, runs right after
  // the HTTP server has closed (having waited for the requests it still had connections for) and
  // before the plugins above release the sockets, Redis and the pool. Requests whose clients hung
  // up may still be at work — in a handler, or at the database just before one: wait for them.
  // The server's shutdown grace period bounds the wait.
  app.addHook('onClose', () =>
    app.inFlight.settled(owns ? () => database.idle(QUIET_DATABASE_MS) : undefined),
  );
  return app;
}
