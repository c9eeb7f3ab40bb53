/**
 * The OpenAPI description of an upload route's multipart body: `file` (an image) plus the route's
 * own text fields. Documentation only: the routes read the body as a stream (multipart.ts) and
 * check the fields themselves, so Swagger UI can send a file to each of them.
 */
export const multipartBody = (fields: Record<string, object> = {}) => ({
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary', description: 'JPEG, PNG or WebP photo.' },
          ...fields,
        },
      },
    },
  },
});
