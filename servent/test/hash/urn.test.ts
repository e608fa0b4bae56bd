import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/core/errors.js';
import {
  bitprintUrn,
  Sha1,
  sha1,
  sha1Urn,
  tigerTreeRoot,
  tigerTreeUrn,
} from '../../src/core/hash/index.js';
import { parseUrn, urnSha1 } from '../../src/core/wire/index.js';
import { UNIT_RUNS } from '../fuzz-runs.js';
import { bytesAndCuts, chunked, hex } from './support.js';
import { RECORDED_FILES, SPEC_VECTORS } from './vectors.js';

test('HUGE-1 urn:sha1: every SHA-1 URN of the http-transfers.md §13 table', () => {
  for (const vector of SPEC_VECTORS) {
    assert.equal(sha1Urn(sha1(vector.content)), vector.sha1Urn, vector.name);
  }
});

test("HUGE-1 urn:sha1: gtk-gnutella 1.2.3's URNs for its shared files (X-Gnutella-Content-URN in the recordings)", () => {
  for (const file of RECORDED_FILES) {
    assert.equal(sha1Urn(sha1(file.content)), file.sha1Urn, file.name);
  }
});

test('HUGE-1 urn:sha1: the ggep-huge.md §7 example, 32 upper-case characters', () => {
  const digest = Uint8Array.from(Buffer.from('153df33b773a1f05fe8b01d321210ce578d6ff5f', 'hex'));
  assert.equal(sha1Urn(digest), 'urn:sha1:CU67GO3XHIPQL7ULAHJSCIIM4V4NN727');
});

test('HTTP-32 SHA-1: chunked updates equal one call, and digest() on the way does not end the hash', () => {
  fc.assert(
    fc.property(bytesAndCuts(3000), ([bytes, cuts]) => {
      const hasher = new Sha1();
      let seen = 0;
      for (const part of chunked(bytes, cuts)) {
        hasher.update(part);
        seen += part.length;
        assert.equal(hex(hasher.digest()), hex(sha1(bytes.subarray(0, seen))));
      }
      assert.equal(sha1Urn(hasher.digest()), sha1Urn(sha1(bytes)));
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('HTTP-23 urn:tree:tiger/: and urn:bitprint: of the recorded files carry the roots gtk-gnutella advertised', () => {
  for (const file of RECORDED_FILES) {
    const root = tigerTreeRoot(file.content);
    assert.equal(tigerTreeUrn(root), `urn:tree:tiger/:${file.tth}`);
    const bitprint = bitprintUrn(sha1(file.content), root);
    assert.equal(bitprint, `urn:bitprint:${file.sha1Urn.slice('urn:sha1:'.length)}.${file.tth}`);
    assert.equal(bitprint.length, 'urn:bitprint:'.length + 32 + 1 + 39);
  }
});

test('HTTP-2 HUGE-4 the URNs written here read back through wire/huge.ts; a bitprint down-converts to its SHA-1', () => {
  const digest = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
  fc.assert(
    fc.property(digest(20), digest(24), (sha, root) => {
      for (const text of [sha1Urn(sha), bitprintUrn(sha, root)]) {
        const urn = parseUrn(text);
        assert.ok(urn.ok, text);
        assert.deepEqual(urnSha1(urn.value), sha);
      }
      const tree = parseUrn(tigerTreeUrn(root));
      assert.ok(tree.ok);
      assert.deepEqual(tree.value, { type: 'tiger-tree', tigerTree: root });
    }),
    { numRuns: UNIT_RUNS },
  );
});

test('URN writers refuse digests of the wrong size (UsageError)', () => {
  assert.throws(() => sha1Urn(new Uint8Array(19)), UsageError);
  assert.throws(() => tigerTreeUrn(new Uint8Array(20)), UsageError);
  assert.throws(() => bitprintUrn(new Uint8Array(20), new Uint8Array(23)), UsageError);
});
