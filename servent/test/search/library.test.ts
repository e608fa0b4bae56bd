import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { sha1Urn } from '../../src/core/hash/index.js';
import {
  Library,
  type SearchQuery,
  type SharedFileInput,
  searchQueryOf,
  WHATS_NEW_CRITERIA,
  WHATS_NEW_RESULTS,
} from '../../src/core/search/index.js';
import { decodeQuery, type Query, urnBlock } from '../../src/core/wire/index.js';

const hex = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** A distinct SHA-1 per seed; matching treats it as opaque. */
const digest = (seed: number) => new Uint8Array(20).fill(seed);

function file(relativePath: string, seed: number, addedAt = seed): SharedFileInput {
  return { relativePath, size: 1000 + seed, sha1: digest(seed), addedAt };
}

function library(...paths: string[]): Library {
  const lib = new Library();
  for (const [i, path] of paths.entries()) lib.add(file(path, i + 1));
  return lib;
}

const names = (lib: Library, query: SearchQuery | string, limit = 100) =>
  lib.match(typeof query === 'string' ? { criteria: query } : query, limit).map((f) => f.name);

const wireQuery = (criteria: string, urns: string[] = []): Query => ({
  flags: 0x8000,
  criteria,
  extensions: urns.map((urn) => urnBlock(urn)),
  trailingNul: false,
});

test('MSG-27 keyword matching is case-insensitive', () => {
  const lib = library('Free Software Song.ogg', 'other.txt');
  assert.deepEqual(names(lib, 'FREE software'), ['Free Software Song.ogg']);
  assert.deepEqual(names(lib, 'free SOFTWARE song OGG'), ['Free Software Song.ogg']);
});

test('MSG-27 every keyword must match', () => {
  const lib = library('Free Software Song.ogg', 'free beer.txt');
  assert.deepEqual(names(lib, 'free'), ['Free Software Song.ogg', 'free beer.txt']);
  assert.deepEqual(names(lib, 'free software'), ['Free Software Song.ogg']);
  assert.deepEqual(names(lib, 'free hardware'), []);
});

test('MSG-27 §13.4 the spec’s "free software" query, decoded from its bytes, finds the song', () => {
  const payload = hex('a8 00 66 72 65 65 20 73 6f 66 74 77 61 72 65 00 75 72 6e 3a 00');
  const query = decodeQuery(payload);
  assert.ok(query.ok);
  const lib = library('free_software_song.ogg', 'software.txt');
  assert.deepEqual(names(lib, searchQueryOf(query.value)), ['free_software_song.ogg']);
});

test('MSG-27 a query word matches the start of a file word, as LimeWire and gtk-gnutella do', () => {
  const lib = library('Gnutella Protocol.txt');
  assert.deepEqual(names(lib, 'gnut proto'), ['Gnutella Protocol.txt']);
  assert.deepEqual(names(lib, 'tella'), [], 'not inside a word');
  assert.deepEqual(names(lib, 'gnutellas'), [], 'not longer than the word');
});

test('MSG-27 names and queries are split on every non-letter, non-digit', () => {
  const lib = library("Rock'n'Roll_Hits-1985.mp3", 'AC-DC Back.In.Black.flac');
  assert.deepEqual(names(lib, "rock'n'roll"), ["Rock'n'Roll_Hits-1985.mp3"]);
  assert.deepEqual(names(lib, 'roll hits 1985 mp3'), ["Rock'n'Roll_Hits-1985.mp3"]);
  assert.deepEqual(names(lib, 'ac dc black'), ['AC-DC Back.In.Black.flac']);
});

test('MSG-27 accents and letter case fold alike on both sides (qrp.md §2.2)', () => {
  const lib = library('Café del Mar.mp3', 'STRASSE.txt');
  assert.deepEqual(names(lib, 'cafe'), ['Café del Mar.mp3']);
  assert.deepEqual(names(lib, 'CAFÉ DEL'), ['Café del Mar.mp3']);
});

test('§9 criteria made only of one-letter words match nothing', () => {
  const lib = library('a b c.txt', 'abc.txt');
  assert.deepEqual(names(lib, 'a'), []);
  assert.deepEqual(names(lib, 'a b'), []);
  assert.deepEqual(names(lib, 'a bc'), [], 'a one-letter word still counts once longer ones exist');
  assert.deepEqual(names(lib, 'ab'), ['abc.txt']);
});

test('§9 empty, index ("    ") and `\\` criteria without a URN match nothing', () => {
  const lib = library('song.mp3');
  for (const criteria of ['', '    ', '\\']) assert.deepEqual(names(lib, criteria), []);
});

test('only the file name is searched, not the folders above it', () => {
  const lib = library('beatles/help.mp3');
  assert.deepEqual(names(lib, 'beatles'), []);
  assert.deepEqual(names(lib, 'help'), ['help.mp3']);
});

test('MSG-27 HUGE-3 §13.5 `\\` with urn:sha1 is matched by SHA-1 only', () => {
  // The spec's OOB URN query; the SHA-1 is ggep-huge.md §7's base32 example.
  const payload = hex(`8c 00 5c 00
    75 72 6e 3a 73 68 61 31 3a 43 55 36 37 47 4f 33 58 48 49 50 51 4c 37 55 4c 41 48 4a
    53 43 49 49 4d 34 56 34 4e 4e 37 32 37 1c c3 82 53 4f 40 00`);
  const query = decodeQuery(payload);
  assert.ok(query.ok);
  const lib = new Library();
  lib.add({ ...file('wanted.bin', 1), sha1: hex('153df33b773a1f05fe8b01d321210ce578d6ff5f') });
  lib.add(file('urn sha1 cu67go3x.txt', 2));
  assert.deepEqual(names(lib, searchQueryOf(query.value)), ['wanted.bin']);
});

test('HUGE-3 an empty criteria with a SHA-1 URN is matched by SHA-1 only', () => {
  const lib = library('one.txt', 'two.txt');
  const query = searchQueryOf(wireQuery('', [sha1Urn(digest(2))]));
  assert.deepEqual(names(lib, query), ['two.txt']);
  assert.deepEqual(names(lib, searchQueryOf(wireQuery('\\', [sha1Urn(digest(9))]))), []);
});

test('HUGE-4 a bitprint URN is matched by its SHA-1 half', () => {
  const lib = library('one.txt');
  const bitprint = `urn:bitprint:${sha1Urn(digest(1)).slice(9)}.${'A'.repeat(39)}`;
  assert.deepEqual(names(lib, searchQueryOf(wireQuery('\\', [bitprint]))), ['one.txt']);
});

test('§7 several URNs: the files of any of them; words and URNs: the files of either', () => {
  const lib = library('one.txt', 'two.txt', 'three.txt');
  const urns = [sha1Urn(digest(3)), sha1Urn(digest(1))];
  assert.deepEqual(names(lib, searchQueryOf(wireQuery('\\', urns))), ['three.txt', 'one.txt']);
  assert.deepEqual(names(lib, searchQueryOf(wireQuery('two', [sha1Urn(digest(1))]))), [
    'one.txt',
    'two.txt',
  ]);
});

test('HUGE-3 one SHA-1 shared at two paths answers with both', () => {
  const lib = new Library();
  lib.add(file('a/copy.txt', 7));
  lib.add(file('b/copy.txt', 7));
  const found = lib.match({ criteria: '\\', sha1s: [digest(7)] }, 10);
  assert.deepEqual(
    found.map((f) => f.relativePath),
    ['a/copy.txt', 'b/copy.txt'],
  );
});

test('MSG-28 match returns at most `limit` files, in index order; the caller splits by 10', () => {
  const lib = library(...Array.from({ length: 25 }, (_, i) => `track ${i}.mp3`));
  const all = lib.match({ criteria: 'track' }, 100);
  assert.equal(all.length, 25);
  assert.deepEqual(
    lib.match({ criteria: 'track' }, 10).map((f) => f.index),
    all.slice(0, 10).map((f) => f.index),
  );
  assert.deepEqual(lib.match({ criteria: 'track' }, 0), []);
  assert.throws(() => lib.match({ criteria: 'track' }, -1), UsageError);
});

test('indices start at 1, survive replace, and are never reused after remove', () => {
  const lib = library('a.txt', 'b.txt');
  assert.deepEqual(
    [...lib.files()].map((f) => f.index),
    [1, 2],
  );
  const replaced = lib.replace({ ...file('a.txt', 9), size: 5 });
  assert.equal(replaced.index, 1);
  assert.equal(lib.byIndex(1)?.size, 5);
  assert.deepEqual(lib.bySha1(digest(1)), [], 'the old content is gone');
  assert.equal(lib.bySha1(digest(9))[0]?.relativePath, 'a.txt');
  lib.remove('b.txt');
  assert.equal(lib.byIndex(2), undefined);
  assert.equal(lib.add(file('b.txt', 2)).index, 3);
  assert.equal(lib.byPath('b.txt')?.index, 3);
});

test('the revision bumps on every change and only then', () => {
  const lib = new Library();
  assert.equal(lib.revision, 0);
  lib.add(file('a.txt', 1));
  assert.equal(lib.revision, 1);
  lib.replace(file('a.txt', 2));
  assert.equal(lib.revision, 2);
  assert.throws(() => lib.add(file('a.txt', 3)), UsageError);
  assert.throws(() => lib.replace(file('b.txt', 3)), UsageError);
  assert.equal(lib.remove('b.txt'), undefined);
  assert.equal(lib.revision, 2);
  lib.remove('a.txt');
  assert.equal(lib.revision, 3);
  assert.equal(lib.size, 0);
  assert.equal(lib.totalBytes, 0);
});

test('files and bytes are counted; a removed file no longer matches', () => {
  const lib = library('song one.mp3', 'song two.mp3');
  assert.equal(lib.size, 2);
  assert.equal(lib.totalBytes, 1001 + 1002);
  lib.remove('song one.mp3');
  assert.deepEqual(names(lib, 'song'), ['song two.mp3']);
  assert.deepEqual(names(lib, 'one'), []);
});

test('recent: newest first, from `since` on, at most `limit`', () => {
  const lib = new Library();
  lib.add(file('old.txt', 1, 1_000));
  lib.add(file('new.txt', 2, 3_000));
  lib.add(file('mid.txt', 3, 2_000));
  lib.add(file('tie.txt', 4, 3_000));
  assert.deepEqual(
    lib.recent(10).map((f) => f.name),
    ['tie.txt', 'new.txt', 'mid.txt', 'old.txt'],
  );
  assert.deepEqual(
    lib.recent(10, 2_000).map((f) => f.name),
    ['tie.txt', 'new.txt', 'mid.txt'],
  );
  assert.deepEqual(
    lib.recent(1).map((f) => f.name),
    ['tie.txt'],
  );
});

test('dynamic-querying.md §9 "What\'s New?" gets the newest files and never matches its criteria', () => {
  const lib = new Library();
  lib.add(file('WhatIsNewXOXO.txt', 1, 1));
  for (let i = 2; i <= 6; i++) lib.add(file(`file ${i}.txt`, i, i * 10));
  const query = searchQueryOf(wireQuery(WHATS_NEW_CRITERIA));
  assert.equal(query.whatsNew, true);
  const found = lib.match(query, 10);
  assert.equal(found.length, WHATS_NEW_RESULTS);
  assert.deepEqual(
    found.map((f) => f.name),
    ['file 6.txt', 'file 5.txt', 'file 4.txt'],
  );
  assert.equal(lib.match(query, 2).length, 2);
});

test('QRP-19 qrpKeywords: name words with their prefixes, the extension, and each urn:sha1', () => {
  const lib = library('Gnutella Protocol.txt', 'other.bin');
  const keywords = lib.qrpKeywords();
  for (const word of ['gnutella', 'gnutell', 'gnutel', 'protocol', 'txt', 'other', 'bin']) {
    assert.ok(keywords.includes(word), word);
  }
  assert.ok(keywords.includes(sha1Urn(digest(1))));
  lib.remove('other.bin');
  const after = lib.qrpKeywords();
  assert.ok(!after.includes('other') && !after.includes(sha1Urn(digest(2))));
});

test('bad input is our own bug: UsageError', () => {
  const lib = new Library();
  for (const relativePath of ['', '/abs.txt', 'a//b.txt', 'a/../b.txt', 'line\nbreak.txt']) {
    assert.throws(() => lib.add(file(relativePath, 1)), UsageError, JSON.stringify(relativePath));
  }
  assert.throws(() => lib.add({ ...file('a.txt', 1), sha1: new Uint8Array(19) }), UsageError);
  assert.throws(() => lib.add({ ...file('a.txt', 1), tigerRoot: new Uint8Array(20) }), UsageError);
  assert.throws(() => lib.add({ ...file('a.txt', 1), size: -1 }), UsageError);
  assert.equal(lib.revision, 0);
});
