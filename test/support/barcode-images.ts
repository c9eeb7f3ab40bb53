import bwipjs from 'bwip-js';
import sharp from 'sharp';

/** Intermediate images are stored uncompressed: PNG compression would dominate the tests' time. */
const FAST = { compressionLevel: 0 } as const;

/** bwip-js names of the symbologies a scan reads. */
export type Symbology = 'ean13' | 'ean8' | 'upca' | 'upce' | 'code128' | 'qrcode';

/** A code rendered as a clean PNG by a real generator, with a quiet zone around it. */
export async function renderCode(bcid: Symbology, text: string, scale = 4): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid,
    text,
    scale,
    ...(bcid === 'qrcode' ? {} : { height: 18, includetext: true }),
    paddingwidth: 12,
    paddingheight: 12,
    backgroundcolor: 'FFFFFF',
  });
}

export interface PhotoOptions {
  /** Photo size in pixels (default 1600×1200). */
  width?: number;
  height?: number;
  /** The code's width as a share of the photo's (default 0.35). */
  codeShare?: number;
  rotateDegrees?: number;
  /** Gaussian noise added to the whole photo (standard deviation, 0–255). */
  noise?: number;
  blur?: number;
  format?: 'jpeg' | 'png' | 'webp';
  jpegQuality?: number;
}

/**
 * A "photo" of a code: the rendered code scaled, rotated and placed off-centre on a textured
 * background, then noise, blur and lossy compression, as a phone camera would deliver it.
 */
export async function photograph(code: Buffer, o: PhotoOptions = {}): Promise<Buffer> {
  const width = o.width ?? 1600;
  const height = o.height ?? 1200;
  const target = Math.round(width * (o.codeShare ?? 0.35));
  let placed = await sharp(code).resize({ width: target, kernel: 'cubic' }).png(FAST).toBuffer();
  if (o.rotateDegrees) {
    placed = await sharp(placed).rotate(o.rotateDegrees, { background: '#ffffff' }).png(FAST).toBuffer();
  }
  const meta = await sharp(placed).metadata();
  const background = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 150, sigma: 12 },
    },
  })
    .blur(2)
    .png()
    .toBuffer();
  let img = sharp(background).composite([
    {
      input: placed,
      left: Math.max(0, Math.round(width * 0.4 - meta.width! / 2)),
      top: Math.max(0, Math.round(height * 0.55 - meta.height! / 2)),
    },
  ]);
  let buf = await img.png(FAST).toBuffer();
  if (o.noise) {
    const noise = await sharp({
      create: {
        width,
        height,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: o.noise },
      },
    })
      .png()
      .toBuffer();
    // 'soft-light' with mid-grey noise perturbs every pixel around its value.
    buf = await sharp(buf)
      .composite([{ input: noise, blend: 'soft-light' }])
      .png(FAST)
      .toBuffer();
  }
  img = sharp(buf);
  if (o.blur) img = img.blur(o.blur);
  switch (o.format ?? 'jpeg') {
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: 80 }).toBuffer();
    default:
      return img.jpeg({ quality: o.jpegQuality ?? 80 }).toBuffer();
  }
}

/** A photo with no code in it (textured background only). */
export async function blankPhoto(width = 800, height = 600): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 140, sigma: 20 },
    },
  })
    .blur(1.5)
    .jpeg({ quality: 80 })
    .toBuffer();
}
