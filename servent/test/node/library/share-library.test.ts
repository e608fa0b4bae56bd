import assert from 'node:assert/strict';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { sha1, sha1Urn, tigerTreeUrn } from '../../../src/core/hash/index.js';
import {
  HASH_CACHE_FILE,
  ShareFolderError,
  ShareLibrary,
  type ShareLibraryOptions,
} from '../../../src/node/library/index.js';
import { changedUntil, defer, log, tempDir } from './support.js';

interface Setup {
  share: string;
  state: string;
  outside: string;
}

/** A share with nested files, a dotfile, a dot folder and a link leading outside it. */
async function setup(t: TestContext): Promise<Setup> {
  const dir = await tempDir(t);
  const share = join(dir, 'share');
  const outside = join(dir, 'outside');
  await mkdir(join(share, 'sub/deeper'), { recursive: true });
  await mkdir(join(share, '.partial'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(share, 'abc.txt'), 'abc');
  await writeFile(join(share, 'sub/deeper/empty.dat'), '');
  await writeFile(join(share, 'sub/song.mp3'), 'not really a song');
  await writeFile(join(share, '.hidden'), 'x');
  await writeFile(join(share, '.partial/incomplete.mp3'), 'x');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await symlink(join(outside, 'secret.txt'), join(share, 'secret.txt'));
  return { share, state: join(dir, 'state'), outside };
}

function open(
  t: TestContext,
  { share, state }: Setup,
  options: Partial<ShareLibraryOptions> = {},
): ShareLibrary {
  const library = new ShareLibrary({
    shareDir: share,
    stateDir: state,
    log,
    rescanIntervalMs: 60_000,
    rescanSettleMs: 10,
    ...options,
  });
  defer(t, () => library.stop());
  return library;
}

const paths = (share: ShareLibrary) => [...share.library.files()].map((f) => f.relativePath).sort();

/** Replaces a file in one step, as a scan can never see it half written. */
async function replace(path: string, content: string): Promise<void> {
  const temporary = join(path, '..', `.${Date.now()}.tmp`);
  await writeFile(temporary, content);
  await rename(temporary, path);
}

test('HUGE-1 HTTP-34 the first scan hashes nested files to the §13 vectors, skipping dotfiles and outside links', async (t) => {
  const setupDone = await setup(t);
  const share = open(t, setupDone, { now: () => 1_000 });
  const revisions: number[] = [];
  share.on('changed', (revision) => revisions.push(revision));
  await share.start();
  await share.ready;

  assert.deepEqual(paths(share), ['abc.txt', 'sub/deeper/empty.dat', 'sub/song.mp3']);
  const abc = share.library.byPath('abc.txt')!;
  assert.equal(sha1Urn(abc.sha1), 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5');
  assert.equal(
    tigerTreeUrn(abc.tigerRoot!),
    'urn:tree:tiger/:ASD4UJSEH5M47PDYB46KBTSQTSGDKLBHYXOMUIA',
  );
  const empty = share.library.byPath('sub/deeper/empty.dat')!;
  assert.equal(sha1Urn(empty.sha1), 'urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ');
  assert.equal(
    tigerTreeUrn(empty.tigerRoot!),
    'urn:tree:tiger/:LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ',
  );
  assert.equal(empty.name, 'empty.dat');
  assert.equal(abc.addedAt, 1_000);
  assert.deepEqual([...share.library.files()].map((f) => f.index).sort(), [1, 2, 3]);
  assert.deepEqual(revisions.at(-1), share.library.revision);
  assert.deepEqual(share.counters(), {
    files: 3,
    bytes: 3 + 17,
    hashed: 3,
    hashedBytes: 3 + 17,
    cacheHits: 0,
    pending: 0,
    failed: 0,
    scans: 1,
  });
});

test('a restart takes unchanged files from the hash cache: no worker job, same hashes and dates', async (t) => {
  const dirs = await setup(t);
  const first = open(t, dirs, { now: () => 1_000 });
  await first.start();
  await first.ready;
  await first.stop();

  const second = open(t, dirs, { now: () => 2_000, watchShare: false });
  await second.start();
  await second.ready;
  const { hashed, cacheHits, files } = second.counters();
  assert.deepEqual({ hashed, cacheHits, files }, { hashed: 0, cacheHits: 3, files: 3 });
  for (const file of first.library.files()) {
    const again = second.library.byPath(file.relativePath)!;
    assert.deepEqual(again.sha1, file.sha1, file.relativePath);
    assert.deepEqual(again.tigerRoot, file.tigerRoot, file.relativePath);
    assert.equal(again.addedAt, 1_000, 'added when first hashed, not when restarted');
  }

  // What to serve is checked when it is served: a file swapped for a link leading out is refused.
  const abc = second.library.byPath('abc.txt')!;
  assert.equal(await second.localPath(abc.index), join(dirs.share, 'abc.txt'));
  await rm(join(dirs.share, 'abc.txt'));
  await symlink(join(dirs.outside, 'secret.txt'), join(dirs.share, 'abc.txt'));
  assert.equal(await second.localPath(abc.index), undefined);
  assert.equal(await second.localPath(999), undefined);
});

test('fs.watch: a changed file is rehashed under its index, a new one added, a removed one dropped', async (t) => {
  const dirs = await setup(t);
  const share = open(t, dirs, { now: () => 1_000 });
  await share.start();
  await share.ready;
  const before = share.library.byPath('abc.txt')!;

  let change = changedUntil(share, 'abc.txt rehashed', () => {
    return share.library.byPath('abc.txt')?.size === 4;
  });
  await replace(join(dirs.share, 'abc.txt'), 'abcd');
  await change;
  const after = share.library.byPath('abc.txt')!;
  assert.equal(after.index, before.index);
  assert.deepEqual(after.sha1, sha1(Buffer.from('abcd')));
  assert.equal(share.library.bySha1(before.sha1).length, 0);
  assert.equal(share.counters().hashed, 4, 'only the changed file was hashed again');

  change = changedUntil(share, 'new.txt added', () => !!share.library.byPath('sub/new.txt'));
  await replace(join(dirs.share, 'sub/new.txt'), 'new');
  await change;

  change = changedUntil(share, 'song removed', () => !share.library.byPath('sub/song.mp3'));
  await rm(join(dirs.share, 'sub/song.mp3'));
  await change;
  assert.deepEqual(paths(share), ['abc.txt', 'sub/deeper/empty.dat', 'sub/new.txt']);

  await share.stop();
  const cache = JSON.parse(await readFile(join(dirs.state, HASH_CACHE_FILE), 'utf8'));
  assert.deepEqual(Object.keys(cache.files).sort(), paths(share));
});

test('periodic rescans alone notice changes when fs.watch is off', async (t) => {
  const dirs = await setup(t);
  const share = open(t, dirs, { watchShare: false, rescanIntervalMs: 20 });
  await share.start();
  await share.ready;
  const change = changedUntil(share, 'abc.txt removed', () => !share.library.byPath('abc.txt'));
  await rm(join(dirs.share, 'abc.txt'));
  await change;
  assert.ok(share.counters().scans >= 2);
});

test('a corrupt cache costs a rehash only: of one file for a bad entry, of all for bad JSON', async (t) => {
  const dirs = await setup(t);
  const cacheFile = join(dirs.state, HASH_CACHE_FILE);
  const first = open(t, dirs);
  await first.start();
  await first.ready;
  await first.stop();

  const cache = JSON.parse(await readFile(cacheFile, 'utf8'));
  cache.files['abc.txt'].sha1 = 'not base32!';
  await writeFile(cacheFile, JSON.stringify(cache));
  const second = open(t, dirs);
  await second.start();
  await second.ready;
  await second.stop();
  assert.deepEqual(
    { hashed: second.counters().hashed, cacheHits: second.counters().cacheHits },
    { hashed: 1, cacheHits: 2 },
  );

  await writeFile(cacheFile, '{"format": "gnutella-hash-cache/1", "files": [tru');
  const third = open(t, dirs);
  await third.start();
  await third.ready;
  await third.stop();
  assert.equal(third.counters().hashed, 3);
  assert.equal(third.counters().files, 3);
  assert.equal(JSON.parse(await readFile(cacheFile, 'utf8')).format, 'gnutella-hash-cache/1');
});

test('a share folder that does not exist fails start() with how to fix it', async (t) => {
  const dir = await tempDir(t);
  const share = open(t, { share: join(dir, 'missing'), state: join(dir, 'state'), outside: dir });
  await assert.rejects(share.start(), (error: Error) => {
    assert.ok(error instanceof ShareFolderError);
    assert.match(error.message, /missing.*create it/);
    return true;
  });
});

test('stop() during hashing: nothing is announced afterwards and ready resolves', async (t) => {
  const dirs = await setup(t);
  await writeFile(join(dirs.share, 'big.bin'), Buffer.alloc(4 << 20));
  const share = open(t, dirs);
  let announced = false;
  await share.start();
  await share.stop();
  share.on('changed', () => {
    announced = true;
  });
  await share.ready;
  assert.equal(announced, false);
});
