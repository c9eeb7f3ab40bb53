import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { letterbox } from './letterbox.js';
import { candidates, type Detection, nms } from './postprocess.js';

export interface DetectorOptions {
  modelPath: string;
  /** Comma-separated names, or a file with one per line; default `class_0`, `class_1`, … */
  labels?: string | undefined;
  confidence: number;
  iou: number;
  maxPixels: number;
}

export interface LabelledDetection extends Detection {
  label: string;
}

export interface DetectionResult {
  best: (LabelledDetection & { averageColor: { r: number; g: number; b: number; hex: string } }) | undefined;
  detections: LabelledDetection[];
  width: number;
  height: number;
}

function readLabels(spec: string | undefined): string[] | undefined {
  if (!spec) return undefined;
  if (!spec.includes(',') && fs.existsSync(spec)) {
    return fs
      .readFileSync(spec, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
  }
  return spec
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A YOLO-style ONNX model on onnxruntime (CPU): letterbox → run → confidence filter → NMS. */
export class Detector {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly inputWidth: number,
    private readonly inputHeight: number,
    private readonly labels: string[] | undefined,
    private readonly options: DetectorOptions,
  ) {}

  static async load(options: DetectorOptions): Promise<Detector> {
    const session = await ort.InferenceSession.create(options.modelPath, {
      // One intra-op thread: detection must leave the other core to the rest of the server.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
    });
    const input = session.inputMetadata[0];
    const output = session.outputNames[0];
    if (!input || !output) throw new Error('The model has no input or no output');
    const shape = input.isTensor ? input.shape : [];
    const h = typeof shape[2] === 'number' && shape[2] > 0 ? shape[2] : 640;
    const w = typeof shape[3] === 'number' && shape[3] > 0 ? shape[3] : 640;
    return new Detector(session, input.name, output, w, h, readLabels(options.labels), options);
  }

  private label(classId: number): string {
    return this.labels?.[classId] ?? `class_${classId}`;
  }

  async detect(image: Buffer): Promise<DetectionResult> {
    const { tensor, box, oriented } = await letterbox(
      image,
      this.inputWidth,
      this.inputHeight,
      this.options.maxPixels,
    );
    const feeds = {
      [this.inputName]: new ort.Tensor('float32', tensor, [1, 3, this.inputHeight, this.inputWidth]),
    };
    const results = await this.session.run(feeds);
    const out = results[this.outputName]!;
    const dims = out.dims;
    const classes = this.labels?.length ?? (dims[1]! < dims[2]! ? dims[1]! - 4 : dims[2]! - 5);
    const found = nms(
      candidates(out.data as Float32Array, dims, classes, this.options.confidence, box),
      this.options.iou,
    );
    const detections = found.map((d) => ({ ...d, label: this.label(d.classId) }));
    const top = detections[0];
    return {
      best: top ? { ...top, averageColor: await averageColor(oriented, top.box) } : undefined,
      detections,
      width: box.width,
      height: box.height,
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** The mean RGB of the box's pixels (the original reported the detected produce's average colour). */
export async function averageColor(image: Buffer, b: Detection['box']) {
  const left = Math.floor(b.x1);
  const top = Math.floor(b.y1);
  const width = Math.max(1, Math.ceil(b.x2) - left);
  const height = Math.max(1, Math.ceil(b.y2) - top);
  const meta = await sharp(image).metadata();
  const region = {
    left: Math.min(left, (meta.width ?? 1) - 1),
    top: Math.min(top, (meta.height ?? 1) - 1),
    width: Math.min(width, (meta.width ?? 1) - Math.min(left, (meta.width ?? 1) - 1)),
    height: Math.min(height, (meta.height ?? 1) - Math.min(top, (meta.height ?? 1) - 1)),
  };
  const stats = await sharp(image).extract(region).removeAlpha().stats();
  const [r, g, bl] = stats.channels.map((c) => Math.round(c.mean)) as [number, number, number];
  const hex = `#${[r, g, bl].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  return { r, g, b: bl, hex };
}
