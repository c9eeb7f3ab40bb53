// Generated codes, photographed under harsh conditions, decode to the value they were made from;
// bad images are refused with the right 4xx.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { HttpError, ValidationFailure } from '../../src/app/http-error.js';
import { BarcodeDecoder } from '../../src/features/scans/decoder.js';
import { blankPhoto, photograph, renderCode, type Symbology } from '../support/barcode-images.js';

const decoder = new BarcodeDecoder({ threads: 1, maxPixels: 30_000_000 });
after(() => decoder.close());

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HttpError) return e.statusCode;
    if (e instanceof ValidationFailure) return 422;
    throw e;
  }
  return 200;
}

// ZXing reports EAN/UPC codes as their 13-digit GTIN: a UPC-A gains its leading 0 (and is named
// EAN-13), a UPC-E is expanded. That is the form catalogues such as Open Food Facts key on.
const CASES: { bcid: Symbology; text: string; format: string; expected?: string }[] = [
  { bcid: 'ean13', text: '4006381333931', format: 'EAN13' },
  { bcid: 'ean8', text: '96385074', format: 'EAN8' },
  { bcid: 'upca', text: '036000291452', format: 'EAN13', expected: '0036000291452' },
  { bcid: 'upce', text: '04252614', format: 'UPCE', expected: '0042100005264' },
  { bcid: 'code128', text: 'LOT-2026-11-25-A7', format: 'Code128' },
  { bcid: 'qrcode', text: 'AP29483', format: 'QRCode' },
];

describe('decoding photographed codes', () => {
  for (const c of CASES) {
    test(`${c.format}: scaled, rotated 7°, noisy, JPEG q70`, async () => {
      const code = await renderCode(c.bcid, c.text);
      const photo = await photograph(code, { rotateDegrees: 7, noise: 25, jpegQuality: 70 });
      const { codes } = await decoder.decode(photo);
      assert.deepEqual(
        codes.map((x) => [x.format, x.text]),
        [[c.format, c.expected ?? c.text]],
      );
    });
  }

  test('an upside-down, slightly blurred EAN-13 in a large photo', async () => {
    const code = await renderCode('ean13', '5000112637922', 3);
    const photo = await photograph(code, {
      width: 3000,
      height: 2250,
      codeShare: 0.2,
      rotateDegrees: 180,
      blur: 0.8,
    });
    const { codes } = await decoder.decode(photo);
    assert.equal(codes[0]?.text, '5000112637922');
  });

  test('PNG and WebP uploads decode as well as JPEG', async () => {
    const code = await renderCode('ean13', '4006381333931');
    for (const format of ['png', 'webp'] as const) {
      const { codes } = await decoder.decode(await photograph(code, { format }));
      assert.equal(codes[0]?.text, '4006381333931', format);
    }
  });

  test('EXIF orientation is applied before decoding', async () => {
    // Stored sideways with orientation 6 ("rotate 90° to view"), as phones do.
    const code = await renderCode('qrcode', 'ORIENTED');
    const upright = await photograph(code, { format: 'png' });
    const sideways = await sharp(upright)
      .rotate(-90)
      .jpeg({ quality: 85 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const { codes } = await decoder.decode(sideways);
    assert.equal(codes[0]?.text, 'ORIENTED');
  });
});

describe('bad images', () => {
  test('a photo with no code decodes to nothing', async () => {
    const { codes } = await decoder.decode(await blankPhoto());
    assert.deepEqual(codes, []);
  });

  test('a truncated JPEG is 422', async () => {
    const photo = await photograph(await renderCode('ean13', '4006381333931'));
    assert.equal(await status(decoder.decode(photo.subarray(0, Math.floor(photo.length / 2)))), 422);
  });

  test('JPEG magic followed by garbage is 422', async () => {
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x41)]);
    assert.equal(await status(decoder.decode(junk)), 422);
  });

  test('text, a GIF and an empty buffer are 415', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
      .gif()
      .toBuffer();
    for (const b of [Buffer.from('hello, not an image'), gif, Buffer.alloc(0)]) {
      assert.equal(await status(decoder.decode(b)), 415);
    }
  });

  test('an image over the pixel limit is 413 without being decoded', async () => {
    const small = new BarcodeDecoder({ threads: 1, maxPixels: 100_000 });
    try {
      const big = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: '#fff' } })
        .png()
        .toBuffer();
      assert.equal(await status(small.decode(big)), 413);
    } finally {
      await small.close();
    }
  });
});
