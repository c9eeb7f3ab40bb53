import { randomBytes } from 'node:crypto';
import { compare, hash } from '@node-rs/bcrypt';

/**
 * bcrypt, so the original's `$2b$12$` hashes keep verifying. Hashing runs on libuv's thread
 * pool, not on the event loop. bcrypt reads at most 72 bytes: longer passwords are refused at
 * signup rather than silently truncated.
 */
export const MAX_PASSWORD_BYTES = 72;

export class Passwords {
  /** A hash of a random password at the same cost, compared against when the e-mail is unknown. */
  private readonly dummy: Promise<string>;

  constructor(private readonly cost: number) {
    this.dummy = hash(randomBytes(18).toString('base64'), cost);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.cost);
  }

  /** Verifies against `stored`, or against the dummy hash when there is none: the same work either way. */
  async verify(password: string, stored: string | undefined): Promise<boolean> {
    const target = stored ?? (await this.dummy);
    let ok: boolean;
    try {
      ok = await compare(password, target);
    } catch {
      ok = false;
    }
    return ok && stored !== undefined;
  }
}
