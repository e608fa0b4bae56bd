/**
 * SHA-1 of file content and the URN forms of a file's hashes (HUGE,
 * ggep-huge.md §7; http-transfers.md §10.1). Reading URNs and the binary GGEP
 * `H` form is wire/huge.ts's job; this module makes them from bytes.
 *
 * SHA-1 comes from node:crypto: a pure computation, no I/O.
 */

import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { base32Encode } from '../wire/base32.js';
import { TIGER_LENGTH } from './tiger.js';

const SHA1_LENGTH = 20;

/** Incremental SHA-1. `digest()` may be called at any point and does not end the hash. */
export class Sha1 {
  readonly #hash = createHash('sha1');

  update(bytes: Uint8Array): this {
    this.#hash.update(bytes);
    return this;
  }

  digest(): Uint8Array {
    return new Uint8Array(this.#hash.copy().digest());
  }
}

/** SHA-1 of `bytes` in one call. */
export const sha1 = (bytes: Uint8Array): Uint8Array =>
  new Uint8Array(createHash('sha1').update(bytes).digest());

function base32Of(name: string, digest: Uint8Array, length: number): string {
  if (digest.length !== length) {
    throw new UsageError(`${name} must be ${length} bytes, got ${digest.length}`);
  }
  return base32Encode(digest);
}

/** `urn:sha1:` and 32 upper-case base32 characters (HUGE-1). */
export const sha1Urn = (sha1: Uint8Array): string =>
  `urn:sha1:${base32Of('a SHA-1 digest', sha1, SHA1_LENGTH)}`;

/** `urn:tree:tiger/:` and the 39-character root: the Shareaza/Bitzi spelling (§10.2). */
export const tigerTreeUrn = (root: Uint8Array): string =>
  `urn:tree:tiger/:${base32Of('a Tiger tree root', root, TIGER_LENGTH)}`;

/** `urn:bitprint:<SHA-1, 32 characters>.<Tiger tree root, 39 characters>`. */
export const bitprintUrn = (sha1: Uint8Array, root: Uint8Array): string =>
  `urn:bitprint:${base32Of('a SHA-1 digest', sha1, SHA1_LENGTH)}.${base32Of('a Tiger tree root', root, TIGER_LENGTH)}`;
