import type { Letterbox } from './letterbox.js';

export interface Detection {
  classId: number;
  confidence: number;
  /** Corners in the photo's pixels (after EXIF orientation), clamped to it. */
  box: { x1: number; y1: number; x2: number; y2: number };
}

/**
 * Candidates from a YOLO output tensor. Two layouts are understood:
 * - YOLOv8/v11: `[1, 4 + classes, N]` — cx, cy, w, h, then one score per class;
 * - YOLOv5: `[1, N, 5 + classes]` — cx, cy, w, h, objectness, then class scores (score × objectness).
 * Coordinates are in model-input pixels; they are mapped back through the letterbox.
 */
export function candidates(
  data: Float32Array,
  dims: readonly number[],
  classes: number,
  minConfidence: number,
  lb: Letterbox,
): Detection[] {
  if (dims.length !== 3 || dims[0] !== 1)
    throw new Error(`Unexpected model output shape [${dims.join(', ')}]`);
  const [, a, b] = dims as [number, number, number];
  let n: number;
  let at: (row: number, field: number) => number;
  let hasObjectness: boolean;
  if (a === 4 + classes) {
    n = b;
    at = (row, field) => data[field * n + row]!;
    hasObjectness = false;
  } else if (b === 5 + classes) {
    n = a;
    at = (row, field) => data[row * b + field]!;
    hasObjectness = true;
  } else {
    throw new Error(`Model output [${dims.join(', ')}] does not fit ${classes} class labels`);
  }
  const first = hasObjectness ? 5 : 4;
  const out: Detection[] = [];
  for (let i = 0; i < n; i++) {
    let best = -1;
    let score = 0;
    for (let c = 0; c < classes; c++) {
      const s = at(i, first + c);
      if (s > score) {
        score = s;
        best = c;
      }
    }
    if (hasObjectness) score *= at(i, 4);
    if (best < 0 || score < minConfidence) continue;
    const cx = at(i, 0);
    const cy = at(i, 1);
    const w = at(i, 2);
    const h = at(i, 3);
    const unmap = (v: number, pad: number, limit: number) =>
      Math.min(limit, Math.max(0, (v - pad) / lb.scale));
    out.push({
      classId: best,
      confidence: score,
      box: {
        x1: unmap(cx - w / 2, lb.padX, lb.width),
        y1: unmap(cy - h / 2, lb.padY, lb.height),
        x2: unmap(cx + w / 2, lb.padX, lb.width),
        y2: unmap(cy + h / 2, lb.padY, lb.height),
      },
    });
  }
  return out;
}

export function iou(a: Detection['box'], b: Detection['box']): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression per class: the best box stays, boxes overlapping it more than `threshold` go. */
export function nms(dets: Detection[], threshold: number): Detection[] {
  const sorted = [...dets].sort((x, y) => y.confidence - x.confidence);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.some((k) => k.classId === d.classId && iou(k.box, d.box) > threshold)) continue;
    kept.push(d);
  }
  return kept;
}
