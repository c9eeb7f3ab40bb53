import type { AppDatabase } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/database.js';
import { migrateToHead } from './app.js';
import { type ScratchDatabase, scratchDatabase } from './databases.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * A scratch database at head, reached by the application through a TCP proxy the test can stall
 * (`proxy.stall()`, `proxy.resume()`) with a 1 s `DB_TIMEOUT_SECONDS`-style bound, and directly
 * by the test itself.
 */
export async function proxiedDatabase(dialect: 'mysql' | 'postgres'): Promise<{
  scratch: ScratchDatabase;
  proxy: TcpProxy;
  database: AppDatabase;
  direct: AppDatabase;
  close(): Promise<void>;
}> {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  const proxy = await TcpProxy.start(scratch.parsed.port!);
  const database = await openDatabase(
    { ...scratch.parsed, port: proxy.port },
    { poolSize: 2, timeoutMs: 1000 },
  );
  const direct = await openDatabase(scratch.parsed, { poolSize: 1 });
  return {
    scratch,
    proxy,
    database,
    direct,
    close: async () => {
      proxy.resume();
      await database.destroy();
      await direct.destroy();
      await proxy.close();
      await scratch.drop();
    },
  };
}
