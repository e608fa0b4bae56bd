import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalize, fileKeywords, queryKeywords } from '../../src/core/qrp/index.js';
import { lwKeywordSlots } from './vectors.js';

const includesAll = (keywords: string[], expected: string[]) => {
  const missing = expected.filter((word) => !keywords.includes(word));
  assert.deepEqual(missing, [], `missing keywords: ${missing.join(', ')}`);
};

test('QRP-19 §10.2 LimeWire keywords of `Gnutella Protocol.txt`: words, extension, two prefixes', () => {
  includesAll(fileKeywords('Gnutella Protocol.txt'), Object.keys(lwKeywordSlots));
});

test('QRP-19 §2.4 gtk-gnutella prefixes: cut while longer than 3 bytes, at most 5 cuts', () => {
  const keywords = fileKeywords('Gnutella.txt');
  includesAll(keywords, ['gnutella', 'gnutell', 'gnutel', 'gnute', 'gnut', 'txt']);
  assert.ok(!keywords.includes('gnu'), 'a truncated form is longer than 3 bytes');
  // At most 5 cuts: a 12-letter word yields prefixes down to 7 letters.
  const long = fileKeywords('abcdefghijkl');
  includesAll(long, ['abcdefghijk', 'abcdefghij', 'abcdefghi', 'abcdefgh', 'abcdefg']);
  assert.ok(!long.includes('abcdef'));
  // Bytes, not characters: 'жзий' is 8 UTF-8 bytes, so 'жз' (4 bytes) is kept, 'ж' is not.
  const cyrillic = fileKeywords('жзий');
  includesAll(cyrillic, ['жзи', 'жз']);
  assert.ok(!cyrillic.includes('ж'));
});

test('§2.1 short words and the extension go into the table', () => {
  assert.deepEqual(fileKeywords('a of it.mp3').sort(), ['a', 'it', 'mp3', 'of'].sort());
});

test('QRP-7 §2.6 our keywords cover gtk-gnutella’s for the recorded leaf’s three files', () => {
  // gtk-gnutella's words and prefixes, worked out by hand from §2.3–2.4; the
  // recorded tables (recorded.test.ts) hold exactly their 14 slots.
  includesAll(fileKeywords('alpha_test_file.txt'), ['alpha', 'alph', 'test', 'file', 'txt']);
  includesAll(fileKeywords('bravo_test_file.bin'), ['bravo', 'brav', 'test', 'file', 'bin']);
  includesAll(fileKeywords('charlie_song_test.mp3'), [
    'charlie',
    'charli',
    'charl',
    'char',
    'song',
    'test',
    'mp3',
  ]);
});

test('§2.2 canonical form: compatibility decomposition, lower case, no accents', () => {
  assert.equal(canonicalize('Café CAFÉ'), 'cafe cafe');
  assert.equal(canonicalize('ﬁle Ⅻ'), 'file xii');
  assert.equal(canonicalize('İstanbul'), 'istanbul');
  // Script-specific marks stay: the virama of क्ष, the voiced mark of が.
  assert.equal(canonicalize('क्ष が'), 'क्ष が');
});

test('§2.3 §2.6 a file name yields both splits: every non-alphanumeric and LimeWire’s delimiters', () => {
  includesAll(fileKeywords("Rock'n'Roll.mp3"), ['rock', 'n', 'roll', "rock'n'roll", 'mp3']);
  includesAll(fileKeywords('AC/DC - Back_In+Black (live),1980.ogg'), [
    'ac',
    'dc',
    'back',
    'in',
    'black',
    'live',
    '1980',
    'ogg',
  ]);
});

test('§2.5 §2.6 (c) accented names add the accented lower-case form; folding adds `ss`', () => {
  includesAll(fileKeywords('Café Naïve.txt'), ['cafe', 'café', 'naive', 'naïve']);
  includesAll(fileKeywords('Straße.txt'), ['straße', 'strasse']);
});

test('§2.2 words split where the script changes (the reference clients’ block rule)', () => {
  includesAll(fileKeywords('abcжзи'), ['abc', 'жзи']);
  includesAll(fileKeywords('日本語のテキスト'), ['日本語', 'の', 'テキスト']);
  assert.deepEqual(queryKeywords('abcжзи'), ['abc', 'жзи']);
  // Digits belong to the word they are in.
  assert.deepEqual(queryKeywords('mp3 Ü2 x264'), ['mp3', 'u2', 'x264']);
});

test('§2.6 §8.1 query words: canonical, split on every non-alphanumeric, no duplicates, short words kept', () => {
  assert.deepEqual(queryKeywords("Rock'n'Roll  ROCK café"), ['rock', 'n', 'roll', 'cafe']);
  assert.deepEqual(queryKeywords('  --  '), []);
  assert.deepEqual(queryKeywords('a b'), ['a', 'b']);
});
