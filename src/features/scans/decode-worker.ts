/**
 * Runs in a worker thread (piscina): image → pixels (sharp) → codes (ZXing-C++ as WebAssembly).
 * Kept off the main thread because the WebAssembly decoder is synchronous CPU work that would
 * otherwise stall every other request.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { prepareZXingModule, type ReaderOptions, readBarcodes } from 'zxing-wasm/reader';
import { distinctSymbols } from './distinct-symbols.js';

export interface DecodeTask {
  image: Uint8Array;
  maxPixels: number;
}

export interface DecodedCode {
  text: string;
  /** ZXing's name: EAN13, EAN8, UPCA, UPCE, Code128, QRCode. */
  format: string;
}

export type DecodeOutcome =
  | { ok: true; codes: DecodedCode[]; width: number; height: number; passes: number }
  | { ok: false; reason: 'unsupported' | 'corrupt' | 'too_large'; message: string };

// One libvips thread per decoding worker: the pool size is the number of cores used.
sharp.concurrency(1);
sharp.cache(false);

// The .wasm ships in the package; load it from disk (the library's default is a CDN).
const require = createRequire(import.meta.url);
const wasm = fs.readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
const ready = prepareZXingModule({
  overrides: {
    wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer,
  },
  fireImmediately: true,
});

const READER: ReaderOptions = {
  formats: ['EAN13', 'EAN8', 'UPCA', 'UPCE', 'Code128', 'QRCode'],
  tryHarder: true,
  tryRotate: true,
  tryInvert: true,
  tryDownscale: true,
  maxNumberOfSymbols: 8,
};

/**
 * Passes from cheap to thorough: a 1600-pixel view finds a code that fills a reasonable part of
 * the frame in tens of milliseconds; only when that fails is a larger view tried, for small codes.
 */
const PASSES = [1600, 3200];

function classify(e: unknown): DecodeOutcome {
  const message = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(message))
    return { ok: false, reason: 'too_large', message: 'The image has too many pixels' };
  if (/unsupported image format/i.test(message)) {
    return { ok: false, reason: 'unsupported', message: 'The file is not a JPEG, PNG or WebP image' };
  }
  return { ok: false, reason: 'corrupt', message: 'The image is damaged or incomplete and cannot be read' };
}

export default async function decode(task: DecodeTask): Promise<DecodeOutcome> {
  await ready;
  const input = Buffer.from(task.image.buffer, task.image.byteOffset, task.image.byteLength);
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: task.maxPixels }).metadata();
  } catch (e) {
    return classify(e);
  }
  if (!meta.format || !['jpeg', 'png', 'webp'].includes(meta.format)) {
    return { ok: false, reason: 'unsupported', message: 'The file is not a JPEG, PNG or WebP image' };
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > task.maxPixels) {
    return { ok: false, reason: 'too_large', message: 'The image has too many pixels' };
  }
  const longest = Math.max(meta.width ?? 0, meta.height ?? 0);
  let passes = 0;
  for (const size of PASSES) {
    passes++;
    let raw: { data: Buffer; info: OutputInfo };
    try {
      raw = await sharp(input, { limitInputPixels: task.maxPixels, failOn: 'error' })
        .rotate()
        .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (e) {
      return classify(e);
    }
    // The library takes anything shaped like ImageData ({data, width, height}, RGBA).
    const pixels = { data: raw.data, width: raw.info.width, height: raw.info.height };
    const results = await readBarcodes(pixels as unknown as Parameters<typeof readBarcodes>[0], READER);
    const codes: DecodedCode[] = distinctSymbols(results.filter((r) => r.isValid && r.text)).map((r) => ({
      text: r.text,
      format: r.format,
    }));
    if (codes.length > 0 || longest <= size) {
      return { ok: true, codes, width: meta.width ?? 0, height: meta.height ?? 0, passes };
    }
  }
  return { ok: true, codes: [], width: meta.width ?? 0, height: meta.height ?? 0, passes };
}
