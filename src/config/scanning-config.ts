import os from 'node:os';
import { ConfigError } from './config-error.js';
import { flag, headerValue, wholeNumber } from './env-values.js';

/** Settings of the scan routes, the product-data providers and produce detection. */
export interface ScanningConfig {
  /** `SCAN_MAX_UPLOAD_BYTES`: largest accepted image upload (default 15 MiB: a 12 MP phone JPEG is 3–8 MiB). */
  maxUploadBytes: number;
  /** `SCAN_MAX_PIXELS`: largest accepted image in pixels (default 50 M), refused before it is decoded. */
  maxPixels: number;
  /** `SCAN_DECODE_THREADS`: worker threads decoding images (default: cores − 1, at least 1). */
  decodeThreads: number;
  /**
   * `SCAN_RATE_LIMIT_PER_MINUTE`: scans, QR reads, detections and adds by barcode per user and
   * minute, all together (default 60); past it, 429.
   */
  rateLimitPerMinute: number;
  openFoodFacts: {
    /** `OFF_ENABLED=1` turns the Open Food Facts barcode look-up on (off by default: no outside calls). */
    enabled: boolean;
    /** `OFF_BASE_URL` (default https://world.openfoodfacts.org). */
    baseUrl: string;
    /** `OFF_TIMEOUT_MS` (default 3000). */
    timeoutMs: number;
    /** `OFF_USER_AGENT`: Open Food Facts asks every client to name itself. */
    userAgent: string;
  };
  nutrition: {
    /** `NUTRITION_API_KEY`: a USDA FoodData Central (api.data.gov) key; unset = nutrition stays unknown. */
    apiKey: string | undefined;
    /** `NUTRITION_API_URL` (default https://api.nal.usda.gov/fdc). */
    baseUrl: string;
    /** `NUTRITION_TIMEOUT_MS` (default 3000). */
    timeoutMs: number;
    /** `NUTRITION_RETRY_SECONDS`: how often the background retry looks for due products (default 30; 0 = off). */
    retrySeconds: number;
    /** `NUTRITION_MAX_ATTEMPTS` before a product's nutrition is left unknown (default 8). */
    maxAttempts: number;
  };
  detection: {
    /** `DETECTION_MODEL_PATH`: a YOLO-style ONNX model; unset = `/api/yolo/detect` answers 503. */
    modelPath: string | undefined;
    /** `DETECTION_LABELS`: comma-separated class names, or a path to a file with one per line. */
    labels: string | undefined;
    /** `DETECTION_CONFIDENCE` (default 0.25) and `DETECTION_IOU` (default 0.45). */
    confidence: number;
    iou: number;
  };
}

function fraction(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n >= 1)
    throw new ConfigError(name, `must be a number between 0 and 1, got '${raw}'`);
  return n;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  try {
    const u = new URL(raw);
    if (!/^https?:$/.test(u.protocol)) throw new Error();
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}

export function loadScanningConfig(env: NodeJS.ProcessEnv = process.env): ScanningConfig {
  const cores = os.availableParallelism();
  return {
    maxUploadBytes: wholeNumber(env, 'SCAN_MAX_UPLOAD_BYTES', 15 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxPixels: wholeNumber(env, 'SCAN_MAX_PIXELS', 50_000_000, 10_000, 268_402_689),
    decodeThreads: wholeNumber(env, 'SCAN_DECODE_THREADS', Math.max(1, cores - 1), 1, 64),
    rateLimitPerMinute: wholeNumber(env, 'SCAN_RATE_LIMIT_PER_MINUTE', 60, 1, 100_000),
    openFoodFacts: {
      enabled: flag(env, 'OFF_ENABLED'),
      baseUrl: url(env, 'OFF_BASE_URL', 'https://world.openfoodfacts.org'),
      timeoutMs: wholeNumber(env, 'OFF_TIMEOUT_MS', 3000, 100, 60_000),
      userAgent: headerValue(env, 'OFF_USER_AGENT') ?? 'ExpireEye/0.1 (self-hosted food inventory)',
    },
    nutrition: {
      apiKey: headerValue(env, 'NUTRITION_API_KEY'),
      baseUrl: url(env, 'NUTRITION_API_URL', 'https://api.nal.usda.gov/fdc'),
      timeoutMs: wholeNumber(env, 'NUTRITION_TIMEOUT_MS', 3000, 100, 60_000),
      retrySeconds: wholeNumber(env, 'NUTRITION_RETRY_SECONDS', 30, 0, 86_400),
      maxAttempts: wholeNumber(env, 'NUTRITION_MAX_ATTEMPTS', 8, 1, 100),
    },
    detection: {
      modelPath: env.DETECTION_MODEL_PATH?.trim() || undefined,
      labels: env.DETECTION_LABELS?.trim() || undefined,
      confidence: fraction(env, 'DETECTION_CONFIDENCE', 0.25),
      iou: fraction(env, 'DETECTION_IOU', 0.45),
    },
  };
}
