import { createHmac } from 'node:crypto';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT made by hand, so tests can forge what a client might: other algorithms, `none`, no `exp`. */
export function forgeToken(
  payload: Record<string, unknown>,
  opts: { alg?: string; secret?: string; sign?: boolean } = {},
): string {
  const alg = opts.alg ?? 'HS256';
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  if (alg === 'none' || opts.sign === false) return `${head}.`;
  const hmac = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  if (!hmac) throw new Error(`cannot sign ${alg}`);
  return `${head}.${createHmac(hmac, opts.secret ?? '')
    .update(head)
    .digest('base64url')}`;
}

export const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;
