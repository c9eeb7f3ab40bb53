import assert from 'node:assert/strict';
import { ProviderError } from '../../src/integrations/http-json.js';

/** The ProviderError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ProviderError, String(e));
    return e;
  }
  assert.fail('expected a ProviderError');
}
