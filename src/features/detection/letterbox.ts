import sharp from 'sharp';

/** How a photo was fitted into the model's square input: needed to map boxes back. */
export interface Letterbox {
  /** Model input pixels per photo pixel. */
  scale: number;
  padX: number;
  padY: number;
  /** The photo's size after EXIF orientation. */
  width: number;
  height: number;
}

/** YOLO's padding grey (114/255), so the model sees what it was trained with. */
const PAD = 114;

/**
 * Resizes the photo to fit the model input keeping its aspect ratio, pads the rest with grey
 * (centred, as YOLO's training does) and lays it out as a 1×3×H×W float tensor of RGB in 0..1.
 */
export async function letterbox(
  image: Buffer,
  inputWidth: number,
  inputHeight: number,
  maxPixels: number,
): Promise<{ tensor: Float32Array; box: Letterbox; oriented: Buffer }> {
  // Orient once and keep the result: the colour of a box is read from the same pixels.
  const oriented = await sharp(image, { limitInputPixels: maxPixels })
    .rotate()
    .removeAlpha()
    .png({ compressionLevel: 0 })
    .toBuffer({ resolveWithObject: true });
  const { width, height } = oriented.info;
  const scale = Math.min(inputWidth / width, inputHeight / height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const padX = Math.floor((inputWidth - w) / 2);
  const padY = Math.floor((inputHeight - h) / 2);
  const { data } = await sharp(oriented.data)
    .resize(w, h, { fit: 'fill' })
    .extend({
      left: padX,
      right: inputWidth - w - padX,
      top: padY,
      bottom: inputHeight - h - padY,
      background: { r: PAD, g: PAD, b: PAD },
    })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = inputWidth * inputHeight;
  const tensor = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    tensor[i] = data[i * 3]! / 255;
    tensor[plane + i] = data[i * 3 + 1]! / 255;
    tensor[2 * plane + i] = data[i * 3 + 2]! / 255;
  }
  return { tensor, box: { scale, padX, padY, width, height }, oriented: oriented.data };
}
