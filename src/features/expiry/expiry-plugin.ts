import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ExpirySettings } from './expiry-settings.js';
import { SweepScheduler } from './sweep-scheduler.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-server expiry sweep; `runOnce()` sweeps now (tests, admin). */
    expirySweeper: SweepScheduler;
    /**
     * The API's earlier name, kept so its tests run unchanged: one sweep now, resolving to the
     * number of items marked expired. New code: `expirySweeper.runOnce()`.
     */
    expirySweep: { run(now?: Date): Promise<number> };
  }
}

/**
 * The expiry sweep inside the server: starts when the server is ready, stops (letting a running
 * sweep finish) before it closes. Needs the realtime plugin, whose publish it uses.
 */
async function expiryPlugin(app: FastifyInstance, settings: ExpirySettings): Promise<void> {
  const scheduler = new SweepScheduler({
    database: app.database,
    settings,
    publish: app.publishNotifications,
    log: app.log,
  });
  app.decorate('expirySweeper', scheduler);
  app.decorate('expirySweep', { run: async (now?: Date) => (await scheduler.runOnce(now)).expired });
  app.addHook('onReady', async () => scheduler.start());
  app.addHook('preClose', async () => scheduler.stop());
}

export default fp(expiryPlugin, { name: 'expiry', dependencies: ['db', 'realtime'] });
