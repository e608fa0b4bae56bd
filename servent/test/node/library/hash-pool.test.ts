import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha1, sha1Urn, tigerTreeRoot, tigerTreeUrn } from '../../../src/core/hash/index.js';
import { HashError, HashPool } from '../../../src/node/library/hash-pool.js';
import { tempDir } from './support.js';

/** http-transfers.md §13: published SHA-1 and Tiger tree roots. */
const VECTORS = [
  {
    name: 'empty',
    content: Buffer.alloc(0),
    sha1: 'urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ',
    tth: 'LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ',
  },
  {
    name: 'abc',
    content: Buffer.from('abc'),
    sha1: 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5',
    tth: 'ASD4UJSEH5M47PDYB46KBTSQTSGDKLBHYXOMUIA',
  },
  {
    name: '1025 x A',
    content: Buffer.alloc(1025, 'A'),
    sha1: 'urn:sha1:UUHHSQPHQXN5X6EMYK6CD7IJ7BHZTE77',
    tth: 'PZMRYHGY6LTBEH63ZWAHDORHSYTLO4LEFUIKHWY',
  },
  {
    name: '1 MiB x 0x00',
    content: Buffer.alloc(1 << 20),
    sha1: 'urn:sha1:HNY7IP7TB5FRLNONQXOZ5FPLY7UE5NND',
    tth: 'MUACEID6UTVUKTRE2MTZKOPTZTMS6A2OF6B4ZNY',
  },
];

// One worker for the tests that keep the pool open: starting one is the slow part.
const pool = new HashPool(1);
after(() => pool.close());

test('HTTP-34 §13 a worker hashes files to the published SHA-1 and Tiger tree roots', async (t) => {
  const dir = await tempDir(t);
  const results = await Promise.all(
    VECTORS.map(async ({ name, content }) => {
      await writeFile(join(dir, name), content);
      return pool.hash(join(dir, name));
    }),
  );
  for (const [i, { name, content, sha1: urn, tth }] of VECTORS.entries()) {
    const hashes = results[i]!;
    assert.equal(sha1Urn(hashes.sha1), urn, name);
    assert.equal(tigerTreeUrn(hashes.tigerRoot), `urn:tree:tiger/:${tth}`, name);
    assert.equal(hashes.size, content.length);
    assert.equal(hashes.changed, false);
  }
  assert.equal(pool.jobs, VECTORS.length);
});

test('a file read in several chunks hashes as in one piece', async (t) => {
  const dir = await tempDir(t);
  const content = randomBytes((5 << 19) + 123); // 2.5 MiB and a bit: three reads
  await writeFile(join(dir, 'big.bin'), content);
  const hashes = await pool.hash(join(dir, 'big.bin'));
  assert.deepEqual(hashes.sha1, sha1(content));
  assert.deepEqual(hashes.tigerRoot, tigerTreeRoot(content));
});

test('a file that cannot be hashed fails alone, with the OS error code', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'folder'));
  await writeFile(join(dir, 'fine.txt'), 'abc');
  const [missing, folder, fine] = await Promise.allSettled([
    pool.hash(join(dir, 'missing.txt')),
    pool.hash(join(dir, 'folder')),
    pool.hash(join(dir, 'fine.txt')),
  ]);
  assert.ok(missing.status === 'rejected' && missing.reason instanceof HashError);
  assert.equal(missing.reason.code, 'ENOENT');
  assert.ok(folder.status === 'rejected');
  assert.equal(folder.reason.code, 'not-a-file');
  assert.ok(fine.status === 'fulfilled');
});

test('close() terminates the workers and fails the jobs not done', async (t) => {
  const dir = await tempDir(t);
  const closing = new HashPool(1);
  await writeFile(join(dir, 'a'), 'a');
  const jobs = Promise.allSettled([closing.hash(join(dir, 'a')), closing.hash(join(dir, 'a'))]);
  await closing.close();
  for (const job of await jobs) {
    assert.ok(job.status === 'rejected' && job.reason instanceof HashError);
    assert.equal(job.reason.message, 'hash pool closed');
  }
  await assert.rejects(closing.hash(join(dir, 'a')), HashError);
});
