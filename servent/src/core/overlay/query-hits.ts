/**
 * QueryHits answering a query from our library (messages.md §10): the query's
 * GUID, hops 0, TTL = query hops + 2 (RT-7, MSG-16), at most `resultsPerHit`
 * records each (MSG-28), `urn:sha1:` in each record's extension area (HUGE),
 * an EQHD trailer, our servent id last.
 */
import {
  type ExtensionBlock,
  encodeMessage,
  encodeQueryHit,
  eqhdOpenData,
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
): Uint8Array[] {
  const ttl = Math.max(queryHops + 1, Math.min(queryHops + 2, source.hardTtlLimit));
  const trailer = trailerOf(source.vendorCode);
  const messages: Uint8Array[] = [];
  for (let start = 0; start < results.length; start += source.resultsPerHit) {
    const payload = encodeQueryHit({
      port: source.self.port,
      address: source.self.host,
      speed: source.speedKbps,
      results: results.slice(start, start + source.resultsPerHit).map(recordOf),
      trailer,
      serventId: source.serventId,
    });
    messages.push(encodeMessage({ guid, type: MessageType.QueryHit, ttl, hops: 0 }, payload));
  }
  return messages;
}

/**
 * EQHD with 2 bytes of open data: push flag stated false, we accept incoming
 * connections (MSG-29; firewalled operation comes with push support), GGEP
 * stated absent; busy, uploaded and speed left unstated.
 */
function trailerOf(vendorCode: string): QueryHitTrailer {
  const empty = new Uint8Array(0);
  return {
    vendor: vendorCode,
    openData: eqhdOpenData({ push: false, ggep: false }),
    vendorData: empty,
    ggep: [],
    afterGgep: empty,
    xml: empty,
  };
}

function recordOf(result: LocalResult): QueryHitResult {
  const { size, lf } = resultSizeFields(result.size);
  const extensions: ExtensionBlock[] = [];
  if (result.sha1 !== undefined) extensions.push(urnBlock({ type: 'sha1', sha1: result.sha1 }));
  // GGEP last: its data may hold 0x1C (ggep-huge.md §5); LF for files ≥ 2 GiB (MSG-30).
  if (lf !== undefined) extensions.push({ kind: 'ggep', extensions: [lf] });
  return { index: result.index, size, name: result.name, extensions };
}
