import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses, Nullable } from '../../app/common-schemas.js';
import { HttpError, ValidationFailure } from '../../app/http-error.js';
import type { ScanningConfig } from '../../config/scanning-config.js';
import { sniffImageType } from '../scans/image-type.js';
import { readUpload } from '../scans/multipart.js';
import { multipartBody } from '../scans/multipart-body.js';
import { Detector } from './detector.js';

const Box = Type.Object({ x1: Type.Number(), y1: Type.Number(), x2: Type.Number(), y2: Type.Number() });
const DetectReply = Type.Object({
  label: Nullable(Type.String(), {
    description: 'The highest-confidence label; null when nothing was detected.',
  }),
  confidence: Nullable(Type.Number()),
  box: Nullable(Box, { description: 'In the photo’s pixels (after EXIF orientation).' }),
  averageColor: Nullable(
    Type.Object({ r: Type.Integer(), g: Type.Integer(), b: Type.Integer(), hex: Type.String() }),
    { description: 'Mean colour of the box.' },
  ),
  detections: Type.Array(Type.Object({ label: Type.String(), confidence: Type.Number(), box: Box })),
  width: Type.Integer(),
  height: Type.Integer(),
});

export const NOT_CONFIGURED =
  'Produce detection is not configured: set DETECTION_MODEL_PATH to a YOLO-style ONNX model ' +
  '(input 1x3xHxW RGB 0..1, output 1x(4+classes)xN or 1xNx(5+classes)) and DETECTION_LABELS to its class ' +
  'names (comma-separated, or a file with one per line), then restart the server.';

/** `POST /api/yolo/detect`: the original's produce detector, on a model the operator provides. */
export default async function detectionRoutes(
  app: FastifyInstance,
  opts: {
    config: ScanningConfig['detection'];
    maxUploadBytes: number;
    maxPixels: number;
    /** The per-user scan budget (scanRateLimit). */
    rateLimit: object;
  },
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { config } = opts;
  let loading: Promise<Detector> | undefined;
  const detector = () => {
    if (!config.modelPath) throw new HttpError(503, NOT_CONFIGURED);
    loading ??= Detector.load({ ...config, modelPath: config.modelPath, maxPixels: opts.maxPixels }).catch(
      (e) => {
        loading = undefined;
        app.log.error({ err: e }, 'detection model failed to load');
        throw new HttpError(
          503,
          `The detection model at DETECTION_MODEL_PATH cannot be loaded: ${(e as Error).message}`,
        );
      },
    );
    return loading;
  };
  app.addHook('onClose', async () => {
    if (loading) await (await loading.catch(() => undefined))?.close();
  });

  r.post(
    '/yolo/detect',
    {
      schema: {
        tags: ['detection'],
        summary: 'Detect produce in a photo',
        description:
          'Multipart field `file` (JPEG, PNG or WebP). Runs the ONNX model at DETECTION_MODEL_PATH; answers the ' +
          'highest-confidence label with its box and average colour, plus all detections after non-maximum ' +
          'suppression. 503 when no model is configured.',
        consumes: ['multipart/form-data'],
        body: multipartBody() as never,
        response: { 200: DetectReply, ...errorResponses(400, 401, 413, 415, 422, 429, 503) },
      },
      validatorCompiler: () => () => true,
      config: { rateLimit: opts.rateLimit },
    },
    async (req) => {
      const model = await detector();
      const { file } = await readUpload(req);
      if (!sniffImageType(file)) throw new HttpError(415, 'The file is not a JPEG, PNG or WebP image');
      let result: Awaited<ReturnType<Detector['detect']>>;
      try {
        result = await model.detect(file);
      } catch (e) {
        const m = (e as Error).message;
        if (/pixel limit/i.test(m)) throw new HttpError(413, 'The image has too many pixels');
        if (/VipsJpeg|pngload|webp|Input buffer|corrupt|premature/i.test(m)) {
          throw new ValidationFailure([
            { field: 'file', message: 'The image is damaged or incomplete and cannot be read' },
          ]);
        }
        throw e;
      }
      const best = result.best;
      const round = (b: { x1: number; y1: number; x2: number; y2: number }) => ({
        x1: Math.round(b.x1),
        y1: Math.round(b.y1),
        x2: Math.round(b.x2),
        y2: Math.round(b.y2),
      });
      return {
        label: best?.label ?? null,
        confidence: best ? Math.round(best.confidence * 1000) / 1000 : null,
        box: best ? round(best.box) : null,
        averageColor: best?.averageColor ?? null,
        detections: result.detections.map((d) => ({
          label: d.label,
          confidence: Math.round(d.confidence * 1000) / 1000,
          box: round(d.box),
        })),
        width: result.width,
        height: result.height,
      };
    },
  );
}
