import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import type { HostPort } from '../../src/core/handshake/addresses.js';
import { AltLocMesh, SentAltLocs } from '../../src/core/transfer/index.js';

const FILE = 'urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ';
const OTHER = 'urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ';
const HOUR = 60 * 60 * 1000;
const host = (n: number, port = 6346): HostPort => ({ host: `198.51.100.${n}`, port });
const none = () => false;
const names = (hosts: HostPort[]) => hosts.map((h) => `${h.host}:${h.port}`);

test('HTTP-15 good reports are stored; invalid hosts are ignored silently', () => {
  const mesh = new AltLocMesh();
  mesh.addGood(FILE, host(1), 0);
  for (const bad of [
    { host: '0.0.0.0', port: 6346 },
    { host: '255.255.255.255', port: 6346 },
    { host: '198.51.100.2', port: 0 },
    { host: '198.51.100.2', port: 70000 },
    { host: 'example.com', port: 6346 },
    { host: '010.1.1.1', port: 6346 },
  ]) {
    mesh.addGood(FILE, bad, 0);
  }
  assert.equal(mesh.size(FILE), 1);
  assert.deepEqual(mesh.pick(FILE, 10, none, 0), [host(1)]);
  assert.deepEqual(mesh.pick(OTHER, 10, none, 0), []);
});

test('HTTP-16 one bad report demotes, a good one promotes, two in a row remove', () => {
  const mesh = new AltLocMesh();
  for (const n of [1, 2, 3]) mesh.addGood(FILE, host(n), n);
  // Newer first among equals.
  assert.deepEqual(names(mesh.pick(FILE, 10, none, 10)), names([host(3), host(2), host(1)]));
  mesh.addBad(FILE, host(3), 10);
  assert.equal(mesh.size(FILE), 3, 'never evicted on a single report');
  assert.deepEqual(names(mesh.pick(FILE, 10, none, 10)), names([host(2), host(1), host(3)]));
  mesh.addGood(FILE, host(3), 11);
  assert.deepEqual(names(mesh.pick(FILE, 1, none, 11)), names([host(3)]));
  mesh.addBad(FILE, host(3), 12);
  mesh.addBad(FILE, host(3), 13);
  assert.equal(mesh.size(FILE), 2);
  assert.deepEqual(names(mesh.pick(FILE, 10, none, 13)), names([host(2), host(1)]));
  mesh.addBad(FILE, host(9), 13); // unknown: nothing to do
  assert.equal(mesh.size(FILE), 2);
});

test('repeated good reports raise the rank', () => {
  const mesh = new AltLocMesh();
  mesh.addGood(FILE, host(1), 0);
  mesh.addGood(FILE, host(1), 0);
  mesh.addGood(FILE, host(2), 5);
  assert.deepEqual(names(mesh.pick(FILE, 10, none, 5)), names([host(1), host(2)]));
});

test('HTTP-14 pick takes at most n, skipping excluded hosts', () => {
  const mesh = new AltLocMesh();
  for (let n = 1; n <= 20; n++) mesh.addGood(FILE, host(n), n);
  const requester = host(20);
  const picked = mesh.pick(FILE, 10, (h) => h.host === requester.host, 20);
  assert.equal(picked.length, 10);
  assert.ok(!names(picked).includes(names([requester])[0]!));
  assert.deepEqual(mesh.pick(FILE, 0, none, 20), []);
});

test('entries expire after the lifetime unless reported good again', () => {
  const mesh = new AltLocMesh({ lifetimeMs: 12 * HOUR });
  mesh.addGood(FILE, host(1), 0);
  mesh.addGood(FILE, host(2), 0);
  mesh.addGood(FILE, host(2), 6 * HOUR);
  assert.deepEqual(mesh.pick(FILE, 10, none, 12 * HOUR), [host(2)]);
  assert.equal(mesh.size(FILE), 1, 'purged');
  assert.deepEqual(mesh.pick(FILE, 10, none, 18 * HOUR), []);
  assert.equal(mesh.size(FILE), 0);
});

test('bounded per file: a newcomer replaces the worst', () => {
  const mesh = new AltLocMesh({ maxPerFile: 3 });
  for (const n of [1, 2, 3]) mesh.addGood(FILE, host(n), n);
  mesh.addGood(FILE, host(1), 4);
  mesh.addBad(FILE, host(2), 4);
  mesh.addGood(FILE, host(4), 5);
  assert.equal(mesh.size(FILE), 3);
  assert.deepEqual(names(mesh.pick(FILE, 10, none, 5)), names([host(1), host(4), host(3)]));
  mesh.addGood(FILE, host(5), 6); // the oldest of the singly reported goes
  assert.deepEqual(names(mesh.pick(FILE, 10, none, 6)), names([host(1), host(5), host(4)]));
});

test('bounded in files: the least recently touched file is forgotten', () => {
  const files = [FILE, OTHER, 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5'];
  const mesh = new AltLocMesh({ maxFiles: 2 });
  mesh.addGood(files[0]!, host(1), 0);
  mesh.addGood(files[1]!, host(1), 0);
  mesh.pick(files[0]!, 1, none, 0);
  mesh.addGood(files[2]!, host(1), 0);
  assert.deepEqual(
    files.map((f) => mesh.size(f)),
    [1, 0, 1],
  );
});

test('keys are SHA-1 URNs in any case; anything else is our bug', () => {
  const mesh = new AltLocMesh();
  mesh.addGood(FILE.toLowerCase(), host(1), 0);
  assert.equal(mesh.size(FILE), 1);
  mesh.forget(`URN:SHA1:${FILE.slice(9)}`);
  assert.equal(mesh.size(FILE), 0);
  assert.throws(() => mesh.addGood('GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ', host(1), 0), UsageError);
  assert.throws(() => mesh.size('urn:sha1:short'), UsageError);
  assert.throws(() => new AltLocMesh({ maxPerFile: 0 }), UsageError);
});

test('HTTP-14 SentAltLocs hands out each host once per connection', () => {
  const sent = new SentAltLocs();
  assert.deepEqual(sent.take([host(1), host(2), host(1)]), [host(1), host(2)]);
  assert.deepEqual(sent.take([host(2), host(3)]), [host(3)]);
  assert.ok(sent.has(host(1)));
  assert.ok(!sent.has(host(1, 6347)));
  assert.deepEqual(sent.take([host(1, 6347)]), [host(1, 6347)]);
});

test('HTTP-14 SentAltLocs is bounded: once full it sends nothing rather than repeat', () => {
  const sent = new SentAltLocs({ maxHosts: 2 });
  assert.deepEqual(sent.take([host(1), host(2), host(3)]), [host(1), host(2)]);
  assert.deepEqual(sent.take([host(3), host(1)]), []);
});

test('the mesh and SentAltLocs together: ten fresh alt-locs per answer, never the requester', () => {
  const mesh = new AltLocMesh();
  for (let n = 1; n <= 25; n++) mesh.addGood(FILE, host(n), 0);
  const sent = new SentAltLocs();
  const requester = host(7);
  const answer = () =>
    sent.take(mesh.pick(FILE, 10, (h) => sent.has(h) || h.host === requester.host, 0));
  const seen = [answer(), answer(), answer()].map(names);
  assert.deepEqual(
    seen.map((s) => s.length),
    [10, 10, 4],
  );
  assert.equal(new Set(seen.flat()).size, 24);
  assert.deepEqual(answer(), []);
});
