// Produce detection: letterboxing, confidence filtering, NMS and box mapping through a real
// onnxruntime session on a tiny model built here; the route answers 503 until a model is set.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { Detector } from '../../src/features/detection/detector.js';
import { letterbox } from '../../src/features/detection/letterbox.js';
import { candidates, nms } from '../../src/features/detection/postprocess.js';
import { newUser, type TestServer } from '../support/app.js';
import { scanConfig, startScanServer, upload } from '../support/scanning.js';
import { tinyYolo } from '../support/tiny-onnx.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-onnx-'));
const modelPath = path.join(dir, 'tiny.onnx');
fs.writeFileSync(modelPath, tinyYolo());
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A 128×64 photo of one colour: letterboxed into 64×64 it fills the middle half. */
const solid = (r: number, g: number, b: number) =>
  sharp({ create: { width: 128, height: 64, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

describe('pre- and post-processing', () => {
  test('letterboxing keeps the aspect ratio and pads with grey, centred', async () => {
    const { tensor, box } = await letterbox(await solid(255, 0, 0), 64, 64, 1e6);
    assert.deepEqual(box, { scale: 0.5, padX: 0, padY: 16, width: 128, height: 64 });
    const plane = 64 * 64;
    assert.equal(tensor[0], Math.fround(114 / 255), 'top-left is padding');
    assert.equal(tensor[32 * 64 + 5], 1, 'red channel inside the photo');
    assert.equal(tensor[plane + 32 * 64 + 5], 0, 'green channel inside the photo');
  });

  test('confidence filtering and per-class NMS keep the best of overlapping boxes', () => {
    // Layout [1, 4+2, 3]: two overlapping class-0 boxes and one weak class-1 box.
    const rows = [
      [10, 11, 50],
      [10, 10, 50],
      [8, 8, 4],
      [8, 8, 4],
      [0.9, 0.8, 0],
      [0, 0, 0.1],
    ];
    const lb = { scale: 1, padX: 0, padY: 0, width: 100, height: 100 };
    const all = candidates(Float32Array.from(rows.flat()), [1, 6, 3], 2, 0.05, lb);
    assert.equal(all.length, 3);
    const kept = nms(candidates(Float32Array.from(rows.flat()), [1, 6, 3], 2, 0.25, lb), 0.45);
    assert.deepEqual(
      kept.map((d) => [d.classId, d.confidence]),
      [[0, Float32Array.from([0.9])[0]]],
    );
  });

  test('the YOLOv5 layout (objectness × class score) is understood too', () => {
    const lb = { scale: 1, padX: 0, padY: 0, width: 100, height: 100 };
    const out = candidates(Float32Array.from([50, 50, 10, 10, 0.5, 0.2, 0.9]), [1, 1, 7], 2, 0.1, lb);
    assert.equal(out[0]?.classId, 1);
    assert.ok(Math.abs(out[0]!.confidence - 0.45) < 1e-6);
  });
});

describe('Detector on a real onnxruntime session', () => {
  let detector: Detector;
  before(async () => {
    detector = await Detector.load({
      modelPath,
      labels: 'apple,banana,carrot',
      confidence: 0.25,
      iou: 0.45,
      maxPixels: 1e7,
    });
  });
  after(() => detector.close());

  test('a red photo: "apple", its box mapped back to photo pixels, the box’s average colour', async () => {
    const r = await detector.detect(await solid(255, 0, 0));
    assert.deepEqual(
      r.detections.map((d) => d.label),
      ['apple'],
      'the overlapping apple box was suppressed, the weak ones filtered',
    );
    assert.ok(Math.abs(r.best!.confidence - (0.5 + 0.5 * (114 / 255))) < 1e-3);
    assert.deepEqual(r.best!.box, { x1: 44, y1: 12, x2: 84, y2: 52 });
    assert.deepEqual(r.best!.averageColor, { r: 255, g: 0, b: 0, hex: '#ff0000' });
  });

  test('a green photo: "banana"', async () => {
    const r = await detector.detect(await solid(0, 200, 0));
    assert.equal(r.best?.label, 'banana');
    assert.deepEqual(r.best?.box, { x1: 12, y1: 20, x2: 28, y2: 36 });
    assert.equal(r.best?.averageColor.hex, '#00c800');
  });
});

describe('POST /api/yolo/detect', () => {
  let unset: TestServer;
  let configured: TestServer;
  before(async () => {
    unset = await startScanServer('sqlite');
    const base = scanConfig();
    configured = await startScanServer('sqlite', {
      config: { ...base, detection: { ...base.detection, modelPath, labels: 'apple,banana,carrot' } },
    });
  });
  after(async () => {
    await unset.close();
    await configured.close();
  });

  test('without a model: 503 saying how to configure one', async () => {
    const u = await newUser(unset);
    const r = await upload(
      unset.baseUrl,
      '/api/yolo/detect',
      u.token,
      await solid(255, 0, 0),
      {},
      'image/png',
    );
    assert.equal(r.status, 503);
    assert.match(r.body.detail, /DETECTION_MODEL_PATH/);
  });

  test('with a model: the best label, box and average colour', async () => {
    const u = await newUser(configured);
    const r = await upload(
      configured.baseUrl,
      '/api/yolo/detect',
      u.token,
      await solid(255, 0, 0),
      {},
      'image/png',
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.label, 'apple');
    assert.deepEqual(r.body.box, { x1: 44, y1: 12, x2: 84, y2: 52 });
    assert.equal(r.body.averageColor.hex, '#ff0000');
    const bad = await upload(
      configured.baseUrl,
      '/api/yolo/detect',
      u.token,
      Buffer.from('nope'),
      {},
      'text/plain',
    );
    assert.equal(bad.status, 415);
  });
});
