// Settings that go into a provider's HTTP header (the USDA key, Open Food Facts' User-Agent): a
// character a header cannot carry is refused at start, naming the variable, never echoing the value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { loadScanningConfig } from '../../src/config/scanning-config.js';

test('a header setting with a control character, a line break or a non-Latin-1 character is a ConfigError without the value', () => {
  const bad: [string, string, number][] = [
    ['NUTRITION_API_KEY', 'SEKRET\0KEY', 7],
    ['NUTRITION_API_KEY', 'SEKRET\nKEY', 7],
    ['NUTRITION_API_KEY', 'SEKRET\r\nKEY', 7],
    ['NUTRITION_API_KEY', 'SEKRET\x7fKEY', 7],
    ['NUTRITION_API_KEY', 'SEKRET\u20acKEY', 7],
    ['OFF_USER_AGENT', 'SEKRET/1.0\n(me@example.com)', 11],
  ];
  for (const [variable, value, at] of bad) {
    assert.throws(
      () => loadScanningConfig({ [variable]: value }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.variable === variable &&
        e.message ===
          `${variable}: character ${at} cannot be sent in an HTTP header (a control character or line break, or one past Latin-1)` &&
        !e.message.includes('SEKRET'),
      JSON.stringify([variable, value]),
    );
  }
});

test('header settings are trimmed; tabs, spaces and Latin-1 inside are kept', () => {
  const c = loadScanningConfig({
    NUTRITION_API_KEY: '  abc123DEF\n',
    OFF_USER_AGENT: 'Épicerie/1.0\t(me@example.com)',
  });
  assert.equal(c.nutrition.apiKey, 'abc123DEF');
  assert.equal(c.openFoodFacts.userAgent, 'Épicerie/1.0\t(me@example.com)');
  const unset = loadScanningConfig({ NUTRITION_API_KEY: ' ', OFF_USER_AGENT: '' });
  assert.equal(unset.nutrition.apiKey, undefined);
  assert.match(unset.openFoodFacts.userAgent, /^ExpireEye\//);
});
