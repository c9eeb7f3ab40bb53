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
