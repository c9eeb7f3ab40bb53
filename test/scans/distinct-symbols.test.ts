import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distinctSymbols, type FoundSymbol } from '../../src/features/scans/distinct-symbols.js';

const at = (x0: number, y0: number, x1: number, y1: number): FoundSymbol['position'] => ({
  topLeft: { x: x0, y: y0 },
  topRight: { x: x1, y: y0 },
  bottomRight: { x: x1, y: y1 },
  bottomLeft: { x: x0, y: y1 },
});

test('a misread on a few scan lines over a well-read linear code is dropped', () => {
  // Recorded from the decoder on a noisy, rotated UPC-A photo (1 run in 30 gave both).
  const real = {
    text: '0036000291452',
    format: 'EAN13',
    lineCount: 85,
    position: {
      topLeft: { x: 455, y: 560 },
      topRight: { x: 849, y: 560 },
      bottomRight: { x: 829, y: 724 },
      bottomLeft: { x: 435, y: 724 },
    },
  };
  const misread = {
    text: '0036001291451',
    format: 'EAN13',
    lineCount: 7,
    position: {
      topLeft: { x: 456, y: 561 },
      topRight: { x: 849, y: 561 },
      bottomRight: { x: 831, y: 708 },
      bottomLeft: { x: 438, y: 708 },
    },
  };
  assert.deepEqual(distinctSymbols([misread, real]), [real]);
  assert.deepEqual(distinctSymbols([real, misread]), [real]);
});

test('codes elsewhere in the photo, of any format, are all kept; exact repeats are merged', () => {
  const left = { text: '4006381333931', format: 'EAN13', lineCount: 40, position: at(100, 100, 400, 250) };
  const right = { text: '5000112637922', format: 'EAN13', lineCount: 12, position: at(600, 100, 900, 250) };
  const qr = { text: 'AP29483', format: 'QRCode', lineCount: 0, position: at(120, 110, 380, 240) };
  const otherQr = { text: 'AP29484', format: 'QRCode', lineCount: 0, position: at(130, 120, 370, 230) };
  const again = { ...left, lineCount: 3, position: at(100, 400, 400, 550) };
  assert.deepEqual(distinctSymbols([left, right, qr, otherQr, again]), [left, right, qr, otherQr]);
});
