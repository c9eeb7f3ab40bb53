import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * Requests that Node's HTTP parser refuses before Fastify sees them (headers or URL over 16 KB,
 * a malformed request line, a client too slow to send its headers) answered in the API's error
 * shape, `{"detail": …}`, like every other error. Fastify's default handler (which this follows:
 * nothing is answered on a reset or unwritable socket, and the connection is closed) answers them
 * in its own `{"error","message","statusCode"}` shape, which clients of this API do not read.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line and headers are too large (at most 16 KB).']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify({ detail });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
