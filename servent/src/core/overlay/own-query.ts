/**
 * The payload of a query we originate (messages.md §9, MSG-24): flags marked
 * (gtk-gnutella drops an unmarked field), GGEP `H` understood; the criteria as
 * given, or `\` for a URN-only query (HUGE), each URN as an extension string.
 */
import { UsageError } from '../errors.js';
import { type PreparedQuery, prepareQuery } from '../qrp/index.js';
import {
  type ExtensionBlock,
  encodeQuery,
  findGgep,
  formatUrn,
  ggepExtension,
  parseUrn,
  QueryFlag,
  urnBlock,
  urnSha1,
} from '../wire/index.js';

/** The criteria of a query that searches by URN only (ggep-huge.md §7). */
export const URN_QUERY_CRITERIA = '\\';

/** A "What's New?" query: this text and GGEP `WH` = 1 (WN-1, dynamic-querying.md §9). */
export const WHATS_NEW_CRITERIA = 'WhatIsNewXOXO';
const WHATS_NEW_SELECTOR = 1;
/** The capability a servent lists in Features Supported when it answers "What's New?". */
export const WHATS_NEW_FEATURE = 'WHAT';

/** A query is "What's New?" by its `WH` extension, never by its text (WN-1, DQ-17). */
export function isWhatsNew(extensions: readonly ExtensionBlock[]): boolean {
  for (const block of extensions) {
    if (block.kind !== 'ggep') continue;
    const wh = findGgep(block.extensions, 'WH');
    if (wh !== undefined && wh.data.length === 1 && wh.data[0] === WHATS_NEW_SELECTOR) return true;
  }
  return false;
}

export interface OwnQuery {
  payload: Uint8Array;
  /** Hashed once for every table it is tested against. */
  prepared: PreparedQuery;
}

/**
 * `text` is sent as is: the caller strips the characters LimeWire bans
 * (search/criteria.ts `sanitizeCriteria`, MSG-41). `urns` are `urn:sha1:` or
 * `urn:bitprint:` strings.
 */
export function ownQuery(text: string, urns: readonly string[], whatsNew = false): OwnQuery {
  if (whatsNew) {
    const payload = encodeQuery({
      flags: QueryFlag.Marked | QueryFlag.GgepH,
      criteria: WHATS_NEW_CRITERIA,
      extensions: [
        { kind: 'ggep', extensions: [ggepExtension('WH', Uint8Array.of(WHATS_NEW_SELECTOR))] },
      ],
      trailingNul: false,
    });
    return { payload, prepared: prepareQuery({ text: '', urns: [] }) };
  }
  const sha1Urns = urns.map((text) => {
    const urn = parseUrn(text);
    const sha1 = urn.ok ? urnSha1(urn.value) : undefined;
    if (sha1 === undefined) {
      throw new UsageError(
        `search URNs are urn:sha1: or urn:bitprint: strings, got ${JSON.stringify(text)}`,
      );
    }
    return formatUrn({ type: 'sha1', sha1 });
  });
  const words = text.trim();
  if (words === '' && sha1Urns.length === 0) {
    throw new UsageError('a search needs words or a URN');
  }
  const payload = encodeQuery({
    flags: QueryFlag.Marked | QueryFlag.GgepH,
    criteria: words === '' ? URN_QUERY_CRITERIA : text,
    extensions: sha1Urns.map((urn) => urnBlock(urn)),
    trailingNul: false,
  });
  return { payload, prepared: prepareQuery({ text: words, urns: sha1Urns }) };
}
