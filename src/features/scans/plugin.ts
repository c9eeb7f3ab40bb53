import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ScanningConfig } from '../../config/scanning-config.js';
import { OpenFoodFactsClient } from '../../integrations/open-food-facts/client.js';
import { UsdaClient } from '../../integrations/usda/client.js';
import detectionRoutes from '../detection/routes.js';
import { BarcodeDecoder } from './decoder.js';
import { ProductLookup } from './lookup.js';
import { NutritionUpdater } from './nutrition-updater.js';
import scanRoutes from './routes.js';
import { scanRateLimit } from './scan-rate-limit.js';
import { type ScanNotifier, ScanService } from './service.js';

export interface Scanning {
  decoder: BarcodeDecoder;
  lookup: ProductLookup;
  nutrition: NutritionUpdater;
  service: ScanService;
  /** `config.rateLimit` of the routes that spend the per-user scan budget (scanRateLimit). */
  rateLimit: ReturnType<typeof scanRateLimit>;
}

declare module 'fastify' {
  interface FastifyInstance {
    scanning: Scanning;
  }
}

export interface ScanningPluginOptions {
  config: ScanningConfig;
  /** Pushes `Product_Scanned` to the user's WebSockets (the realtime feature's publisher). */
  notify?: ScanNotifier;
  /**
   * The clock the providers' back-offs read (default `Date.now`): tests move it past a
   * Retry-After instead of waiting it out.
   */
  providerClock?: () => number;
}

/**
 * Scanning and product data: image scans, barcode and nutrition look-ups, produce detection.
 * Register at the root after the auth plugin: the routes go under `/api` behind `authenticate`, and
 * `app.scanning` is visible everywhere, so other features (the inventory's `?barcode=` add) can use
 * the same look-up.
 */
async function scanningPlugin(app: FastifyInstance, opts: ScanningPluginOptions): Promise<void> {
  const { config } = opts;
  const off = config.openFoodFacts.enabled
    ? new OpenFoodFactsClient({ ...config.openFoodFacts, now: opts.providerClock })
    : undefined;
  const usda = config.nutrition.apiKey
    ? new UsdaClient({
        apiKey: config.nutrition.apiKey,
        baseUrl: config.nutrition.baseUrl,
        timeoutMs: config.nutrition.timeoutMs,
        now: opts.providerClock,
      })
    : undefined;
  const nutrition = new NutritionUpdater(
    app.database,
    usda,
    { intervalMs: config.nutrition.retrySeconds * 1000, maxAttempts: config.nutrition.maxAttempts },
    app.log,
  );
  const lookup = new ProductLookup(app.database, off, nutrition, app.log);
  const decoder = new BarcodeDecoder({ threads: config.decodeThreads, maxPixels: config.maxPixels });
  const service = new ScanService(
    app.database,
    decoder,
    lookup,
    opts.notify ?? app.publishNotifications,
    app.today,
  );
  const rateLimit = scanRateLimit(config.rateLimitPerMinute);
  app.decorate('scanning', { decoder, lookup, nutrition, service, rateLimit });

  // The decoding threads start with the first scan (or `app.scanning.decoder.warmUp()`), so an app
  // built only to serve other routes (or tests) never pays for them.
  app.addHook('onReady', async () => nutrition.start());
  app.addHook('preClose', async () => nutrition.stop());
  app.addHook('onClose', async () => decoder.close());

  await app.register(
    async (scope) => {
      scope.addHook('onRequest', scope.authenticate);
      await scope.register(multipart, {
        limits: { fileSize: config.maxUploadBytes, files: 1, fields: 10, fieldSize: 4096, parts: 12 },
        throwFileSizeLimit: true,
      });
      await scope.register(scanRoutes, { service, rateLimit });
      await scope.register(detectionRoutes, {
        rateLimit,
        config: config.detection,
        maxUploadBytes: config.maxUploadBytes,
        maxPixels: config.maxPixels,
      });
    },
    { prefix: '/api' },
  );
}

export default fp(scanningPlugin, { name: 'scanning', dependencies: ['db', 'auth'] });
