/** The host file on disk (node/bootstrap/host-store.ts), with real files in a temporary folder. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostCache } from '../../src/core/hosts/host-cache.js';
import { HostStore, hostsFilePath } from '../../src/node/bootstrap/host-store.js';
import type { Logger } from '../../src/node/log.js';

/** A logger that keeps its warnings for the test to read. */
function recordingLog(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const log = { warn: (_fields: unknown, message: string) => warnings.push(message) };
  return { log: log as unknown as Logger, warnings };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'host-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('BOOT-1 a saved host cache comes back after a restart', async (t) => {
  const dir = await tempDir(t);
  const { log, warnings } = recordingLog();
  const hosts = new HostCache();
  hosts.add({ host: '198.51.100.7', port: 6346 }, 10, { source: 'x-try', ultrapeer: true });
  hosts.add({ host: '203.0.113.9', port: 24000 }, 20, { source: 'pong' });
  hosts.connected({ host: '203.0.113.9', port: 24000 }, 30);

  const store = new HostStore(hostsFilePath(dir), log);
  assert.equal(await store.load(), undefined, 'no file yet');
  store.save(hosts);
  await store.flush();

  const restarted = new HostCache();
  const value = await new HostStore(hostsFilePath(dir), log).load();
  assert.deepEqual(restarted.load(value, 1_000), { ok: true, loaded: 2, skipped: 0 });
  assert.deepEqual(restarted.toJSON(), hosts.toJSON());
  assert.deepEqual(warnings, []);
});

test('writes are atomic: only hosts.json is left, never a temporary file', async (t) => {
  const dir = await tempDir(t);
  const store = new HostStore(hostsFilePath(dir), recordingLog().log, { debounceMs: 1 });
  for (let i = 0; i < 20; i++) {
    store.save({ version: 1, hosts: [], i });
    if (i % 3 === 0) await sleep(2);
  }
  await store.flush();
  assert.deepEqual(await readdir(dir), ['hosts.json']);
  assert.equal(JSON.parse(await readFile(hostsFilePath(dir), 'utf8')).i, 19);
});

test('a corrupt file is set aside and the servent starts without it', async (t) => {
  const dir = await tempDir(t);
  const file = hostsFilePath(dir);
  await writeFile(file, '{"version":1,"hosts":[');
  const { log, warnings } = recordingLog();
  const store = new HostStore(file, log);
  assert.equal(await store.load(), undefined);
  const left = await readdir(dir);
  assert.equal(left.length, 1);
  assert.match(left[0]!, /^hosts\.json\.corrupt-\d+$/);
  assert.equal(await readFile(join(dir, left[0]!), 'utf8'), '{"version":1,"hosts":[');
  assert.equal(warnings.length, 1);
  assert.equal(await store.load(), undefined, 'the next start finds no file');
});

test('a file that is valid JSON but no host list is handed over for the cache to refuse', async (t) => {
  const dir = await tempDir(t);
  await writeFile(hostsFilePath(dir), '[1,2,3]');
  const value = await new HostStore(hostsFilePath(dir), recordingLog().log).load();
  assert.deepEqual(value, [1, 2, 3]);
  assert.equal(new HostCache().load(value, 0).ok, false);
});

test('flush writes what is pending at once, without waiting for the debounce', async (t) => {
  const dir = await tempDir(t);
  const store = new HostStore(hostsFilePath(dir), recordingLog().log, { debounceMs: 60_000 });
  store.save({ version: 1, hosts: [], n: 1 });
  assert.deepEqual(await readdir(dir), [], 'nothing written before the debounce');
  await store.flush();
  assert.equal(JSON.parse(await readFile(hostsFilePath(dir), 'utf8')).n, 1);
  await store.flush();
  assert.deepEqual(
    await readdir(dir),
    ['hosts.json'],
    'a flush with nothing pending writes nothing',
  );
});

test('saves within the debounce are coalesced into one write of the latest value', async (t) => {
  const dir = await tempDir(t);
  const file = hostsFilePath(dir);
  const store = new HostStore(file, recordingLog().log, { debounceMs: 200 });
  let serialised = 0;
  const value = (n: number) => ({
    toJSON: () => {
      serialised++;
      return { version: 1, hosts: [], n };
    },
  });
  for (let n = 1; n <= 5; n++) store.save(value(n));
  await sleep(20);
  await assert.rejects(readFile(file), { code: 'ENOENT' });
  await sleep(400);
  assert.equal(serialised, 1, 'one write for five saves');
  assert.equal(JSON.parse(await readFile(file, 'utf8')).n, 5);
  await store.flush();
  assert.equal(serialised, 1);
});

test('a save while a write is in flight is written after it', async (t) => {
  const dir = await tempDir(t);
  const file = hostsFilePath(dir);
  const store = new HostStore(file, recordingLog().log, { debounceMs: 1 });
  const order: number[] = [];
  const value = (n: number) => ({
    toJSON: () => {
      order.push(n);
      // Serialising is the start of the write: this save comes while it is in flight.
      if (n === 1) store.save(value(2));
      return { version: 1, hosts: [], n };
    },
  });
  store.save(value(1));
  await sleep(10);
  await store.flush();
  assert.deepEqual(order, [1, 2]);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).n, 2);
  assert.deepEqual(await readdir(dir), ['hosts.json']);
});

test('a write that fails is logged and leaves no temporary file', async (t) => {
  const dir = await tempDir(t);
  // The target is a folder that is not empty, so the rename fails.
  const file = hostsFilePath(dir);
  await mkdir(join(file, 'inside'), { recursive: true });
  const { log, warnings } = recordingLog();
  const store = new HostStore(file, log);
  store.save({ version: 1, hosts: [] });
  await store.flush();
  assert.deepEqual(warnings, ['host file not written']);
  assert.deepEqual(await readdir(dir), ['hosts.json']);
});
