/** What the decoder reports of one symbol: its content, format, where it is, and how sure it is. */
export interface FoundSymbol {
  text: string;
  format: string;
  /** Corners in pixels. */
  position: Record<'topLeft' | 'topRight' | 'bottomRight' | 'bottomLeft', { x: number; y: number }>;
  /** Scan lines that agreed on it (linear symbologies; 0 for 2-D codes). */
  lineCount: number;
}

const LINEAR = new Set(['EAN13', 'EAN8', 'UPCA', 'UPCE', 'Code128']);

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function box(s: FoundSymbol): Box {
  const points = Object.values(s.position);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}

/** The share of the smaller box that the two boxes have in common. */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  if (w <= 0 || h <= 0) return 0;
  const area = (r: Box) => Math.max(1, (r.x1 - r.x0) * (r.y1 - r.y0));
  return (w * h) / Math.min(area(a), area(b));
}

/**
 * One answer per symbol in the photo. With "try harder", ZXing reads a linear barcode along many
 * scan lines, and in a noisy photo a few of them can agree on a wrong value whose check digit
 * happens to hold (seen: 0036001291451 on 7 lines over the 0036000291452 read on 85). A linear
 * result lying on the same place as a better-supported one of its format is such a misread and is
 * dropped; codes elsewhere in the photo, however alike, are all kept. Exact repeats are merged.
 */
export function distinctSymbols<T extends FoundSymbol>(found: readonly T[]): T[] {
  const kept: { symbol: T; box: Box }[] = [];
  const byLines = [...found].sort((a, b) => b.lineCount - a.lineCount);
  for (const symbol of byLines) {
    const b = box(symbol);
    const clash = kept.some(
      (k) =>
        k.symbol.format === symbol.format &&
        (k.symbol.text === symbol.text || (LINEAR.has(symbol.format) && overlap(k.box, b) > 0.5)),
    );
    if (!clash) kept.push({ symbol, box: b });
  }
  // Back in the decoder's order.
  return found.filter((s) => kept.some((k) => k.symbol === s));
}
