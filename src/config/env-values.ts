import { ConfigError } from './config-error.js';

/** A whole-number setting from `min` to `max`, `fallback` when unset or blank; anything else is a ConfigError. */
export function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** An on/off setting: 1/true/yes or 0/false/no (unset or blank is off); anything else is a ConfigError. */
export function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === '0' || raw === 'false' || raw === 'no') return false;
  if (raw === '1' || raw === 'true' || raw === 'yes') return true;
  throw new ConfigError(name, `must be 1 or 0, got '${env[name]}'`);
}

/**
 * Characters an HTTP header value cannot carry: controls other than tab (a NUL, or a line break
 * from a value pasted over two lines), DEL, and anything past Latin-1 (fetch takes header values
 * as bytes).
 */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A setting sent in an HTTP header (an API key, a User-Agent): trimmed, undefined when unset or
 * blank. A character a header cannot carry would fail every request, and fetch's error quotes the
 * value into the logs; refused here, by position, never echoing the value (it may be a secret).
 */
export function headerValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const at = raw.search(NOT_IN_HEADER);
  if (at >= 0) {
    throw new ConfigError(
      name,
      `character ${at + 1} cannot be sent in an HTTP header (a control character or line break, or one past Latin-1)`,
    );
  }
  return raw;
}
