/**
 * `npm start`: reads the settings, checks (or on the embedded SQLite default, brings) the schema
 * to head, and serves until SIGTERM/SIGINT, when it stops accepting connections, lets in-flight
 * requests finish and closes the database pool.
 */
import { buildApp } from './app/build-app.js';
import { type AppConfig, loadAppConfig } from './config/app-config.js';
import { ConfigurationError } from './migrate/index.js';

const UPGRADE_COMMAND = 'expireeye db upgrade head';
const SHUTDOWN_GRACE_MS = 10_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadAppConfig();
  } catch (e) {
    if (e instanceof ConfigurationError) fail(`expireeye: ${e.message}`);
    throw e;
  }

  let app: Awaited<ReturnType<typeof buildApp>>;
  try {
    app = await buildApp({ config });
  } catch (e) {
    // A setting that does not work (REDIS_URL that cannot be reached), or the system refusing
    // something (a database folder that cannot be created): one line, no stack trace. Errors
    // without a code are bugs, and keep their stack.
    if (e instanceof ConfigurationError) fail(`expireeye: ${e.message}`);
    if (typeof (e as { code?: unknown }).code === 'string')
      fail(`expireeye: cannot start: ${(e as Error).message}`);
    throw e;
  }
  const status = app.schemaStatus;

  let state: Awaited<ReturnType<typeof status.state>>;
  try {
    state = await status.state();
  } catch (e) {
    await app.close();
    fail(`expireeye: cannot reach the database at ${status.displayUrl}: ${(e as Error).message}`);
  }
  if (!state.atHead) {
    const embedded = config.database.dialect === 'sqlite';
    if (embedded || config.migrateOnStart) {
      app.log.info({ from: state.current, to: state.head }, 'upgrading the database schema to head');
      try {
        await status.upgradeToHead();
      } catch (e) {
        await app.close();
        fail(`expireeye: the schema upgrade failed: ${(e as Error).message}`);
      }
    } else {
      await app.close();
      fail(
        `expireeye: the database schema is not at head (database: ${state.current.join(', ') || 'no revision'}; ` +
          `code: ${state.head.join(', ')}). The server does not migrate MySQL/PostgreSQL by itself ` +
          `(MIGRATE_ON_START=1 lets it). Run:\n${UPGRADE_COMMAND}`,
      );
    }
  }

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (e) => {
        app.log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close();
    fail(`expireeye: cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`);
  }
  app.log.info(
    `API docs at http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}/docs`,
  );
}

main().catch((e) => {
  process.stderr.write(`expireeye: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
