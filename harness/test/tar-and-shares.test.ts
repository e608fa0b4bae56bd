/** The ustar writer (read back by the system's tar) and the seeded share sets. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { base32Encode } from '../../servent/src/core/wire/index.js';
import { tarArchive } from '../runtime/tar.js';
import { base32, shareEntries, shareFile, shareSet } from '../shares/share-set.js';

test('tar: the system tar lists and extracts what we wrote, owners and modes kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tar-test-'));
  try {
    const long = `${'d'.repeat(90)}/${'n'.repeat(60)}.txt`;
    const archive = tarArchive([
      { path: 'data/share', uid: 1000, gid: 1000 },
      {
        path: 'data/share/Gnutella Protocol.txt',
        content: Buffer.from('hello'),
        uid: 1000,
        gid: 1000,
      },
      { path: `data/${long}`, content: Buffer.alloc(1500, 7), mode: 0o600 },
      { path: '/data/state/', uid: 1000, gid: 1000 },
    ]);
    assert.equal(archive.length % 512, 0);
    const file = join(dir, 'a.tar');
    writeFileSync(file, archive);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', file], { encoding: 'utf8' });
    assert.match(listing, /^drwxr-xr-x 1000\/1000 +0 .* data\/share\/$/m);
    assert.match(listing, /^-rw-r--r-- 1000\/1000 +5 .* data\/share\/Gnutella Protocol\.txt$/m);
    assert.match(listing, /^-rw------- 0\/0 +1500 /m);
    assert.match(listing, /^drwxr-xr-x 1000\/1000 +0 .* data\/state\/$/m);
    execFileSync('tar', ['-xf', file, '-C', dir]);
    assert.equal(readFileSync(join(dir, 'data/share/Gnutella Protocol.txt'), 'utf8'), 'hello');
    assert.equal(statSync(join(dir, 'data', long)).size, 1500);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tar: a path too long for ustar is refused', () => {
  assert.throws(
    () => tarArchive([{ path: 'x'.repeat(300), content: Buffer.alloc(1) }]),
    /too long/,
  );
});

test('base32: RFC 4648 vectors, and agreement with the core encoder', () => {
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [text, encoded] of vectors) assert.equal(base32(Buffer.from(text)), encoded);
  const sha1 = createHash('sha1').update('abc').digest();
  assert.equal(base32(sha1), base32Encode(sha1));
  assert.equal(base32(sha1).length, 32);
});

test('share files: the same name and seed give the same bytes; sizes, SHA-1 and URN agree', () => {
  const a = shareFile('amber falcon sonata.mp3');
  const b = shareFile('amber falcon sonata.mp3');
  const c = shareFile('amber falcon sonata.mp3', 'another seed');
  assert.deepEqual(a.content, b.content);
  assert.notDeepEqual(a.content, c.content);
  assert.equal(a.content.length, a.size);
  assert.ok(a.size >= 1024 && a.size < 8192, `size ${a.size}`);
  assert.deepEqual(a.sha1, createHash('sha1').update(a.content).digest());
  assert.equal(a.urn, `urn:sha1:${a.sha1Base32}`);
  assert.match(a.sha1Base32, /^[A-Z2-7]{32}$/);
});

test('share sets refuse repeated and path-like names; entries own the share and state folders', () => {
  assert.throws(() => shareSet(['a.txt', 'a.txt']), /twice/);
  assert.throws(() => shareFile('../x'), /plain file name/);
  const files = shareSet(['one.txt', 'two.txt']);
  const entries = shareEntries(files, '/data/share', ['/data/state'], { uid: 1000, gid: 1000 });
  assert.deepEqual(
    entries.map((e) => [e.path, e.content === undefined, e.uid]),
    [
      ['data/share', true, 1000],
      ['data/share/one.txt', false, 1000],
      ['data/share/two.txt', false, 1000],
      ['data/state', true, 1000],
    ],
  );
});
