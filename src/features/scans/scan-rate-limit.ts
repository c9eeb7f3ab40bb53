import type { FastifyRequest } from 'fastify';

/**
 * The per-user budget shared by every route that decodes an image or may ask the barcode provider
 * (`/api/qr`, `/api/scan`, `/api/yolo/detect`, and `/api/product/user/add?barcode=`): a route's
 * `config.rateLimit` for @fastify/rate-limit. Each of them costs real work — a decode on a worker
 * thread, a detection model run, or a call against Open Food Facts' own limit (about 100 product
 * look-ups a minute for the whole server) — so one account, even with a stolen token or a script
 * running wild, cannot use it all. Counted per user, not per address (after authentication:
 * `preHandler`), shared by all server processes through Redis when configured, like the other
 * request-rate limits.
 */
export function scanRateLimit(maxPerMinute: number) {
  return {
    max: maxPerMinute,
    timeWindow: 60_000,
    hook: 'preHandler' as const,
    groupId: 'scans',
    keyGenerator: (req: FastifyRequest) => `user:${req.user.id}`,
  };
}
