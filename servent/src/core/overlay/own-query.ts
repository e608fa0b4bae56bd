/**
 * The payload of a query we originate (messages.md §9, MSG-24): flags marked
 * (gtk-gnutella drops an unmarked field), GGEP `H` understood; the criteria as
 * given, or `\` for a URN-only query (HUGE), each URN as an extension string.
 */
import { UsageError } from '../errors.js';
import { type PreparedQuery, prepareQuery } from '../qrp/index.js';
import { encodeQuery, formatUrn, parseUrn, QueryFlag, urnBlock, urnSha1 } from '../wire/index.js';

/** The criteria of a query that searches by URN only (ggep-huge.md §7). */
export const URN_QUERY_CRITERIA = '\\';

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
export function ownQuery(text: string, urns: readonly string[]): OwnQuery {
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
