/**
 * HUGE URNs (ggep-huge.md §7–8): `urn:sha1:`, `urn:bitprint:`, Tiger-tree
 * roots, the request strings `urn:` / `urn:sha1:`, and the binary forms GGEP
 * `H` and `u`. Prefixes, namespaces and base32 digits are read in any case
 * (HUGE-2); URNs are written upper case (HUGE-1).
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { base32Decode, base32Encode } from './base32.js';
import type { ExtensionBlock } from './extension-area.js';
import { findGgep } from './ggep.js';
import { decodeLatin1, encodeLatin1 } from './text.js';

export const SHA1_LENGTH = 20;
export const TIGER_TREE_ROOT_LENGTH = 24;
/** Base32 characters of a SHA-1 (160 bits) and of a Tiger-tree root (192 bits). */
const SHA1_CHARS = 32;
const TIGER_CHARS = 39;

export type Urn =
  /** `urn:sha1:<32>`: SHA-1 of the whole file. */
  | { type: 'sha1'; sha1: Uint8Array }
  /** `urn:bitprint:<32>.<39>`: SHA-1 and Tiger-tree root. */
  | { type: 'bitprint'; sha1: Uint8Array; tigerTree: Uint8Array }
  /** `urn:tree:tiger/:<39>` (also read: `urn:tree:tiger:`, `urn:ttroot:`). */
  | { type: 'tiger-tree'; tigerTree: Uint8Array }
  /** A namespace without a value, `urn:` or `urn:sha1:`: "put URNs in your hits" (§7). */
  | { type: 'request'; namespace: string }
  /** A namespace this codec does not interpret (`md5`, `ed2khash`, `btih`...): kept, ignored (HUGE-7). */
  | { type: 'other'; namespace: string; value: string };

/** Namespaces (lower case, without the final colon) that carry a Tiger-tree root. */
const TIGER_NAMESPACES = ['tree:tiger/', 'tree:tiger', 'ttroot'];

/** Parses one URN string; `urn:` and the namespace in any case (HUGE-2). */
export function parseUrn(text: string): Result<Urn> {
  if (text.slice(0, 4).toLowerCase() !== 'urn:') {
    return badUrn('urn-bad-prefix', `a URN starts with "urn:"`, text, 'HUGE-2');
  }
  const rest = text.slice(4);
  const lower = rest.toLowerCase();
  const tiger = TIGER_NAMESPACES.find((ns) => lower.startsWith(`${ns}:`));
  const namespace =
    tiger ?? lower.slice(0, lower.includes(':') ? lower.indexOf(':') : lower.length);
  const value = rest.slice(namespace.length + 1);
  if (value === '') return ok({ type: 'request', namespace });
  if (namespace === 'sha1') {
    const sha1 = digest(value, SHA1_CHARS, text);
    return sha1.ok ? ok({ type: 'sha1', sha1: sha1.value }) : sha1;
  }
  if (namespace === 'bitprint') {
    const dot = value.indexOf('.');
    if (dot !== SHA1_CHARS || value.length !== SHA1_CHARS + 1 + TIGER_CHARS) {
      return badUrn('urn-bad-bitprint', 'a bitprint is <32 base32>.<39 base32>', text, 'HUGE-4');
    }
    const sha1 = digest(value.slice(0, dot), SHA1_CHARS, text);
    if (!sha1.ok) return sha1;
    const tigerTree = digest(value.slice(dot + 1), TIGER_CHARS, text);
    if (!tigerTree.ok) return tigerTree;
    return ok({ type: 'bitprint', sha1: sha1.value, tigerTree: tigerTree.value });
  }
  if (tiger !== undefined) {
    const tigerTree = digest(value, TIGER_CHARS, text);
    return tigerTree.ok ? ok({ type: 'tiger-tree', tigerTree: tigerTree.value }) : tigerTree;
  }
  return ok({ type: 'other', namespace, value });
}

/** The canonical text: `urn:` and namespaces lower case, base32 upper case (HUGE-1). */
export function formatUrn(urn: Urn): string {
  switch (urn.type) {
    case 'sha1':
      return `urn:sha1:${hashText('sha1', urn.sha1, SHA1_LENGTH)}`;
    case 'bitprint':
      return `urn:bitprint:${hashText('bitprint SHA-1', urn.sha1, SHA1_LENGTH)}.${hashText('bitprint Tiger root', urn.tigerTree, TIGER_TREE_ROOT_LENGTH)}`;
    case 'tiger-tree':
      return `urn:tree:tiger/:${hashText('Tiger root', urn.tigerTree, TIGER_TREE_ROOT_LENGTH)}`;
    case 'request':
      return urn.namespace === '' ? 'urn:' : `urn:${urn.namespace}:`;
    case 'other':
      return `urn:${urn.namespace}:${urn.value}`;
  }
}

/** The SHA-1 a URN names: a bitprint is down-converted to its first half (HUGE-4). */
export function urnSha1(urn: Urn): Uint8Array | undefined {
  return urn.type === 'sha1' || urn.type === 'bitprint' ? urn.sha1 : undefined;
}

/** The URN of a `urn` extension block, whose bytes are kept as sent. */
export const parseUrnBlock = (bytes: Uint8Array): Result<Urn> =>
  parseUrn(decodeLatin1(bytes, 0, bytes.length));

/** A `urn` extension block: a URN string, or a parsed URN written canonically (HUGE-1). */
export function urnBlock(urn: Urn | string): ExtensionBlock {
  const text = typeof urn === 'string' ? urn : formatUrn(urn);
  return { kind: 'urn', bytes: encodeLatin1('a URN', text) };
}

/** GGEP `H` hash types (§8); only the SHA-1 forms are read. */
export const GgepHashType = { Sha1: 0x01, Bitprint: 0x02 } as const;

/**
 * The URN of a GGEP `H` value: type 0x01 + SHA-1 (21 bytes) or 0x02 + SHA-1
 * + Tiger root (45 bytes) (HUGE-6). MD5, UUID and MD4 types are
 * `ggep-h-unknown-type`, which a reader ignores like an unknown namespace.
 */
export function decodeGgepH(data: Uint8Array): Result<Urn> {
  const type = data[0];
  const expected =
    type === GgepHashType.Sha1
      ? 1 + SHA1_LENGTH
      : type === GgepHashType.Bitprint
        ? 1 + SHA1_LENGTH + TIGER_TREE_ROOT_LENGTH
        : undefined;
  if (expected === undefined) {
    return fail(
      new ProtocolError(
        'ggep-h-unknown-type',
        `GGEP H hash type ${type ?? 'missing'} is not SHA-1 or bitprint`,
        'HUGE-6',
      ),
    );
  }
  if (data.length !== expected) {
    return fail(
      new ProtocolError(
        'ggep-h-bad-length',
        `GGEP H type ${type} has ${expected} bytes, got ${data.length}`,
        'HUGE-6',
      ),
    );
  }
  const sha1 = data.slice(1, 1 + SHA1_LENGTH);
  return ok(
    type === GgepHashType.Sha1
      ? { type: 'sha1', sha1 }
      : { type: 'bitprint', sha1, tigerTree: data.slice(1 + SHA1_LENGTH) },
  );
}

/** The GGEP `H` value of a SHA-1 or bitprint URN. */
export function encodeGgepH(urn: Urn): Uint8Array {
  if (urn.type === 'sha1') {
    hashText('sha1', urn.sha1, SHA1_LENGTH);
    return Uint8Array.of(GgepHashType.Sha1, ...urn.sha1);
  }
  if (urn.type === 'bitprint') {
    hashText('bitprint SHA-1', urn.sha1, SHA1_LENGTH);
    hashText('bitprint Tiger root', urn.tigerTree, TIGER_TREE_ROOT_LENGTH);
    return Uint8Array.of(GgepHashType.Bitprint, ...urn.sha1, ...urn.tigerTree);
  }
  throw new UsageError(`GGEP H carries only SHA-1 and bitprint URNs, got ${urn.type}`);
}

/** GGEP `u`: a URN without its `urn:` prefix, e.g. `sha1:PLSTHIPQ...` (§8). */
export const decodeGgepU = (data: Uint8Array): Result<Urn> =>
  parseUrn(`urn:${decodeLatin1(data, 0, data.length)}`);

/**
 * Every SHA-1 an extension area names, in order, from `urn:sha1:` and
 * `urn:bitprint:` strings and from GGEP `H` (HUGE-4, HUGE-6). Malformed and
 * unknown URNs are skipped (HUGE-7).
 */
export function extensionSha1s(blocks: readonly ExtensionBlock[]): Uint8Array[] {
  const found: Uint8Array[] = [];
  for (const block of blocks) {
    let urn: Result<Urn> | undefined;
    if (block.kind === 'urn') urn = parseUrnBlock(block.bytes);
    else if (block.kind === 'ggep') {
      const h = findGgep(block.extensions, 'H');
      if (h !== undefined) urn = decodeGgepH(h.data);
    }
    const sha1 = urn?.ok ? urnSha1(urn.value) : undefined;
    if (sha1 !== undefined) found.push(sha1);
  }
  return found;
}

function digest(text: string, chars: number, urn: string): Result<Uint8Array> {
  if (text.length !== chars) {
    return badUrn(
      'urn-bad-length',
      `expected ${chars} base32 characters, got ${text.length}`,
      urn,
      'HUGE-1',
    );
  }
  const bytes = base32Decode(text);
  return bytes.ok ? bytes : badUrn(bytes.error.code, bytes.error.message, urn, 'HUGE-2');
}

function hashText(what: string, hash: Uint8Array, length: number): string {
  if (hash.length !== length)
    throw new UsageError(`a ${what} has ${length} bytes, got ${hash.length}`);
  return base32Encode(hash);
}

function badUrn(code: string, what: string, urn: string, clause: string): Result<never> {
  const shown = JSON.stringify(urn.length > 100 ? `${urn.slice(0, 100)}…` : urn);
  return fail(new ProtocolError(code, `${what}: ${shown}`, clause));
}
