/**
 * QueryHits answering a query from our library (messages.md §10): the query's
 * GUID, hops 0, TTL = query hops + 2 (RT-7, MSG-16), at most `resultsPerHit`
 * records each (MSG-28), an EQHD trailer, our servent id last. Each record
 * names its file by hash: `urn:sha1:` text (HUGE), or GGEP `H` when the query
 * asked for binary hashes with flag 0x0800, as gtk-gnutella answers; and GGEP
 * `TT` with the Tiger tree root when we know it, as LimeWire and gtk-gnutella
 * do (ggep-huge.md §6, §8).
 */
import {
  type ExtensionBlock,
  encodeGgepH,
  encodeMessage,
  encodePackedHosts,
  encodeQueryHit,
  eqhdOpenData,
  type GgepExtension,
  ggepExtension,
  MessageType,
  type QueryHitResult,
  type QueryHitTrailer,
  resultSizeFields,
  urnBlock,
} from '../wire/index.js';
import type { LocalResult, SelfInfo } from './types.js';

export interface HitSource {
  self: SelfInfo;
  serventId: Uint8Array;
  vendorCode: string;
  speedKbps: number;
  resultsPerHit: number;
  hardTtlLimit: number;
}

/**
 * The hits for `results`, as whole messages. TTL: hops + 2 as LimeWire sends
 * (MSG-16 SHOULD), within the hard limit but never below hops + 1 (RT-7).
 */
export function queryHitMessages(
  guid: Uint8Array,
  queryHops: number,
  results: readonly LocalResult[],
  source: HitSource,
  /** The query set flag 0x0800: it reads GGEP `H` (ggep-huge.md §8). */
  wantsGgepH = false,
): Uint8Array[] {
  const ttl = Math.max(queryHops + 1, Math.min(queryHops + 2, source.hardTtlLimit));
  const trailer = trailerOf(source.vendorCode, source.self);
  const messages: Uint8Array[] = [];
  for (let start = 0; start < results.length; start += source.resultsPerHit) {
    const payload = encodeQueryHit({
      port: source.self.port,
      address: source.self.host,
      speed: source.speedKbps,
      results: results
        .slice(start, start + source.resultsPerHit)
        .map((r) => recordOf(r, wantsGgepH)),
      trailer,
      serventId: source.serventId,
    });
    messages.push(encodeMessage({ guid, type: MessageType.QueryHit, ttl, hops: 0 }, payload));
  }
  return messages;
}

/** Push proxies named in a hit (LimeWire writes at most 4, PUSH-13). */
const MAX_HIT_PUSH_PROXIES = 4;

/**
 * EQHD with 2 bytes of open data: the push flag says whether we are
 * firewalled (MSG-29), GGEP whether the trailer carries our push proxies
 * (GGEP `PUSH`, PUSH-13); busy, uploaded and speed left unstated.
 */
function trailerOf(vendorCode: string, self: SelfInfo): QueryHitTrailer {
  const empty = new Uint8Array(0);
  const proxies = self.firewalled ? (self.pushProxies ?? []).slice(0, MAX_HIT_PUSH_PROXIES) : [];
  const ggep =
    proxies.length > 0
      ? [
          ggepExtension(
            'PUSH',
            encodePackedHosts(proxies.map((p) => ({ address: p.host, port: p.port }))),
          ),
        ]
      : [];
  return {
    vendor: vendorCode,
    openData: eqhdOpenData({ push: self.firewalled === true, ggep: ggep.length > 0 }),
    vendorData: empty,
    ggep,
    afterGgep: empty,
    xml: empty,
  };
}

function recordOf(result: LocalResult, wantsGgepH: boolean): QueryHitResult {
  const { size, lf } = resultSizeFields(result.size);
  const extensions: ExtensionBlock[] = [];
  const ggep: GgepExtension[] = [];
  const { sha1, tigerRoot } = result;
  if (sha1 !== undefined && wantsGgepH) {
    const urn = tigerRoot
      ? { type: 'bitprint' as const, sha1, tigerTree: tigerRoot }
      : { type: 'sha1' as const, sha1 };
    // Digests may hold 0x00, which a record's extension area must not (GGEP-8): COBS then.
    ggep.push(ggepExtension('H', encodeGgepH(urn), { avoidNul: true }));
  } else if (sha1 !== undefined) {
    extensions.push(urnBlock({ type: 'sha1', sha1 }));
  }
  if (tigerRoot !== undefined) ggep.push(ggepExtension('TT', tigerRoot, { avoidNul: true }));
  // LF for files of 2 GiB and more (MSG-30).
  if (lf !== undefined) ggep.push(lf);
  // GGEP last: its data may hold 0x1C (ggep-huge.md §5).
  if (ggep.length > 0) extensions.push({ kind: 'ggep', extensions: ggep });
  return { index: result.index, size, name: result.name, extensions };
}
