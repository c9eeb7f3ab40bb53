import { Piscina } from 'piscina';
// Loaded here first: a native addon must be loaded by the main thread before worker threads load it.
import 'sharp';
import { HttpError, ValidationFailure } from '../../app/http-error.js';
import type { DecodedCode, DecodeOutcome, DecodeTask } from './decode-worker.js';
import { sniffImageType } from './image-type.js';

export type { DecodedCode } from './decode-worker.js';

export interface DecoderOptions {
  threads: number;
  maxPixels: number;
  /** Scans waiting for a thread beyond which new ones are refused with 503 (default 64 per thread). */
  maxQueue?: number;
}

/**
 * Decodes barcodes and QR codes in photos on a pool of worker threads, so decoding never blocks
 * the event loop. Bad input: 415 not an image we take, 422 damaged (`{errors:[{field:'file',…}]}`),
 * 413 too many pixels; a full queue is 503 with Retry-After.
 */
export class BarcodeDecoder {
  private readonly pool: Piscina<DecodeTask, DecodeOutcome>;

  constructor(private readonly options: DecoderOptions) {
    this.pool = new Piscina({
      filename: new URL('./decode-worker.js', import.meta.url).href,
      minThreads: 0,
      maxThreads: options.threads,
      maxQueue: options.maxQueue ?? options.threads * 64,
      idleTimeout: 60_000,
    });
  }

  async decode(image: Buffer): Promise<{ codes: DecodedCode[]; width: number; height: number }> {
    if (!sniffImageType(image)) throw unsupported();
    let out: DecodeOutcome;
    try {
      out = await this.pool.run({ image, maxPixels: this.options.maxPixels });
    } catch (e) {
      if (/queue is at limit/i.test((e as Error).message)) {
        throw new HttpError(503, 'Too many scans in progress; try again in a moment', { 'retry-after': '2' });
      }
      throw e;
    }
    if (!out.ok) {
      if (out.reason === 'unsupported') throw unsupported();
      if (out.reason === 'too_large') {
        throw new HttpError(
          413,
          `${out.message} (at most ${this.options.maxPixels.toLocaleString('en')} pixels)`,
        );
      }
      throw new ValidationFailure([{ field: 'file', message: out.message }]);
    }
    return out;
  }

  /** Starts the threads (and compiles the WebAssembly) before the first scan needs them. */
  async warmUp(): Promise<void> {
    // A 1×1 PNG: exercises sharp and the decoder once in each thread.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG3ZkAgAAAABJRU5ErkJggg==',
      'base64',
    );
    await Promise.all(
      Array.from({ length: this.options.threads }, () => this.pool.run({ image: png, maxPixels: 1e6 })),
    );
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

const unsupported = () => new HttpError(415, 'The file is not a JPEG, PNG or WebP image');
