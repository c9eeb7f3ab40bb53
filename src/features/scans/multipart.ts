import type {} from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { badRequest, HttpError, ValidationFailure } from '../../app/http-error.js';

export interface Upload {
  file: Buffer;
  fields: Record<string, string>;
}

/**
 * Reads a multipart form with one image in `file` and a few text fields. The size limit is
 * enforced while streaming (413 as soon as it is passed, the rest is never buffered).
 */
export async function readUpload(req: FastifyRequest): Promise<Upload> {
  if (!req.isMultipart()) {
    throw new HttpError(415, 'Send the image as multipart/form-data in the field `file`');
  }
  let file: Buffer | undefined;
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === 'file' && !file) {
          // Declared type is checked only to refuse obvious non-images early; the bytes decide.
          // text/plain is also what a part that declares no type reads as (RFC 7578's default):
          // such a photo is let through to the bytes' check rather than refused for a type it never had.
          if (part.mimetype && !/^(image\/|application\/octet-stream$|text\/plain$)/.test(part.mimetype)) {
            await part.toBuffer().catch(() => undefined);
            throw new HttpError(415, `Expected a JPEG, PNG or WebP image, got ${part.mimetype}`);
          }
          file = await part.toBuffer();
        } else {
          await part.toBuffer();
        }
      } else if (typeof part.value === 'string') {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (e) {
    // busboy's own parse errors ("Multipart: Boundary not found", "Unexpected end of multipart
    // data") carry no status and would be 500s; they are the client's malformed body. Our 413/415
    // and the plugin's limit errors keep their status.
    if (typeof (e as { statusCode?: unknown }).statusCode === 'number') throw e;
    throw badRequest('Malformed multipart/form-data body');
  }
  if (!file) throw new ValidationFailure([{ field: 'file', message: 'Field required' }]);
  if (file.length === 0)
    throw new ValidationFailure([{ field: 'file', message: 'The uploaded file is empty' }]);
  return { file, fields };
}
