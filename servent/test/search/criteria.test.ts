import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeCriteria } from '../../src/core/search/index.js';

test('MSG-41 every character LimeWire bans becomes a space', () => {
  const banned = '_#!|?<>^():;/\\[]{}\t\n\r\f';
  for (const char of banned) {
    assert.equal(sanitizeCriteria(`a${char}b`), 'a b', JSON.stringify(char));
  }
});

test('MSG-41 characters that normalise to banned ones are replaced too', () => {
  // Fullwidth question mark and solidus (NFKC → ? and /).
  assert.equal(sanitizeCriteria('why\uff1f not\uff0fnow'), 'why not now');
});

test('MSG-41 other text is kept; runs of spaces collapse and the ends are trimmed', () => {
  assert.equal(sanitizeCriteria("  AC/DC - Rock'n'Roll (live)  "), "AC DC - Rock'n'Roll live");
  assert.equal(sanitizeCriteria('Café Ñandú 日本'), 'Café Ñandú 日本');
});
