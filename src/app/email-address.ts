import { domainToASCII } from 'node:url';

/**
 * A character of an address's local part: RFC 5322's atext, plus every character beyond ASCII
 * (RFC 6531's internationalised addresses) except white space and control or format characters.
 */
const ATOM = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\p{White_Space}\p{Cc}\p{Cf}\p{Cs}\p{ASCII}])$/u;
/** An ASCII host name with at least two labels, the last one not numeric (no bare IP). */
const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Whether `s` is an e-mail address as the original's pydantic `EmailStr` (email-validator) took
 * it: `local@domain`, the local part a dot-atom that may hold non-ASCII letters (`ñandú@…`), the
 * domain a host name that may be internationalised (`例え.テスト`, checked in its ASCII form).
 * ajv-formats' `email` refuses both, which locked out accounts the original had created.
 */
export function isEmailAddress(s: string): boolean {
  if (s.length > 254) return false;
  const at = s.lastIndexOf('@');
  if (at <= 0) return false;
  const local = s.slice(0, at);
  if ([...local].length > 64) return false;
  const domain = s.slice(at + 1);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  for (const ch of local.replaceAll('.', '')) if (!ATOM.test(ch)) return false;
  const ascii = domainToASCII(domain.toLowerCase());
  return ascii !== '' && HOST.test(ascii);
}
