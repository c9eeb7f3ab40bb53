import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponses } from '../../app/common-schemas.js';
import { ValidationFailure } from '../../app/http-error.js';
import {
  DATE_OR_DATETIME_FORMAT,
  formBoolean,
  isDateOrDateTime,
  stringProblem,
} from '../../app/validation.js';
import { STORAGES, type Storage } from '../shelf-life/table.js';
import { readUpload } from './multipart.js';
import { multipartBody } from './multipart-body.js';
import { HistoryQuery, HistoryReply, QrReply, ScanReply } from './schemas.js';
import type { ScanOptions, ScanService } from './service.js';

/**
 * The form fields of a scan, checked by hand (multipart fields are text). `dayOf` reads the expiry
 * date as the JSON routes do: a date, or a date-time whose day is taken on the app's calendar.
 */
export function scanOptions(fields: Record<string, string>, dayOf: (raw: string) => string): ScanOptions {
  // The JSON routes' preValidation hook never sees multipart fields: the same check here, so a NUL
  // (which PostgreSQL cannot store) is a 422 on every dialect.
  for (const [field, value] of Object.entries(fields)) {
    const message = stringProblem(value);
    if (message !== undefined) throw new ValidationFailure([{ field, message }]);
  }
  const errors: { field: string; message: string }[] = [];
  let quantity = 1;
  if (fields.quantity !== undefined) {
    quantity = Number(fields.quantity);
    if (!/^\d+$/.test(fields.quantity.trim()) || quantity < 1 || quantity > 1_000_000) {
      errors.push({ field: 'quantity', message: 'Input should be a whole number from 1 to 1000000' });
    }
  }
  const rawExpiry = fields.expiryDate?.trim() || undefined;
  const readable = rawExpiry !== undefined && isDateOrDateTime(rawExpiry);
  const expiryDate = readable ? dayOf(rawExpiry) : rawExpiry;
  if (rawExpiry && !readable) {
    errors.push({
      field: 'expiryDate',
      message: 'Input should be a valid date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SS)',
    });
  } else if (expiryDate && (expiryDate < '1900-01-01' || expiryDate > '2999-12-31')) {
    // The range the inventory routes accept.
    errors.push({ field: 'expiryDate', message: 'Date should be between 1900-01-01 and 2999-12-31' });
  }
  const storage = fields.storage?.trim().toLowerCase() || undefined;
  if (storage && !(STORAGES as readonly string[]).includes(storage)) {
    errors.push({ field: 'storage', message: `Input should be ${STORAGES.map((s) => `'${s}'`).join(', ')}` });
  }
  const notes = fields.notes?.trim() || undefined;
  if (notes && notes.length > 2000)
    errors.push({ field: 'notes', message: 'String should have at most 2000 characters' });
  const addToInventory = formBoolean(fields.addToInventory);
  if (addToInventory === undefined) {
    errors.push({ field: 'addToInventory', message: 'Input should be a valid boolean' });
  }
  if (errors.length) throw new ValidationFailure(errors);
  return {
    addToInventory: addToInventory === true,
    quantity,
    expiryDate,
    storage: storage as Storage | undefined,
    notes,
  };
}

/** `POST /api/qr`, `POST /api/scan`, `GET /api/scan/history`. */
export default async function scanRoutes(
  app: FastifyInstance,
  opts: { service: ScanService; rateLimit: object },
): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { service } = opts;
  const config = { rateLimit: opts.rateLimit };
  const tags = ['scans'];

  r.post(
    '/qr',
    {
      schema: {
        tags,
        summary: 'Read a QR code (or barcode) from an image',
        description:
          'The original’s route: multipart field `file`. `{message, data}` with the code’s text, or `{error}` ' +
          'when the image holds no code. Nothing is stored. Not an image: 415; damaged: 422; too large: 413; ' +
          'a body that is not multipart/form-data: 400; the decoders busy: 503.',
        consumes: ['multipart/form-data'],
        body: multipartBody({}) as never,
        response: { 200: QrReply, ...errorResponses(400, 401, 413, 415, 422, 429, 503) },
      },
      // The body is read as a stream by the handler.
      validatorCompiler: () => () => true,
      config,
    },
    async (req) => {
      const { file } = await readUpload(req);
      const code = await service.readCode(file);
      if (!code) return { error: 'No QR code found in the image' };
      return { message: 'QR Scanned successfully', data: code.text, format: code.format };
    },
  );

  r.post(
    '/scan',
    {
      schema: {
        tags,
        summary: 'Scan a product from a photo of its barcode',
        description:
          'Multipart: `file` (JPEG, PNG or WebP) and optional fields `addToInventory` (true/false), `quantity`, ' +
          '`expiryDate` (YYYY-MM-DD or a date-time, read as on the inventory routes; the shelf-life ' +
          'estimate is used when absent), `storage` ' +
          '(pantry/fridge/freezer), `notes`. Decodes EAN-13, EAN-8, UPC-A, UPC-E, Code 128 and QR; looks the ' +
          'code up in the catalogue, then Open Food Facts when enabled; records the scan in your history. ' +
          'No code in the image: 422 and nothing is recorded.',
        consumes: ['multipart/form-data'],
        body: multipartBody({
          addToInventory: {
            type: 'string',
            description: 'true or false (also 1/0, yes/no, on/off, any case); anything else is a 422',
          },
          quantity: { type: 'string' },
          expiryDate: { type: 'string', format: DATE_OR_DATETIME_FORMAT },
          storage: { type: 'string', enum: [...STORAGES] },
          notes: { type: 'string' },
        }) as never,
        response: { 200: ScanReply, ...errorResponses(400, 401, 413, 415, 422, 429, 503) },
      },
      validatorCompiler: () => () => true,
      config,
    },
    async (req) => {
      const { file, fields } = await readUpload(req);
      const options = scanOptions(fields, app.dayOf);
      return service.scan(req.user, file, options);
    },
  );

  r.get(
    '/scan/history',
    {
      schema: {
        tags,
        summary: 'My scan history',
        description:
          'Newest first; `limit`/`offset` page through it and `total` counts all (matching) scans.',
        querystring: HistoryQuery,
        response: { 200: HistoryReply, ...errorResponses(401, 422) },
      },
    },
    (req) => service.history(req.user, req.query),
  );
}
