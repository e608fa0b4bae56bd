/**
 * What a QueryHit tells a downloader (http-transfers.md §8, push.md §1,
 * §6.2): for each result with a SHA-1, a source — the responder's address,
 * or, when the EQHD push flag says it is firewalled, its servent id and the
 * push proxies of its GGEP `PUSH` — with the tree root of GGEP `TT`.
 */
import {
  decodePackedHosts,
  eqhdFlags,
  extensionSha1s,
  findGgep,
  type QueryHit,
  resultFileSize,
} from '../wire/index.js';

export interface HitSource {
  sha1: Uint8Array;
  name: string;
  size: number;
  host: string;
  port: number;
  fileIndex: number;
  serventId: Uint8Array;
  firewalled: boolean;
  pushProxies: Array<{ host: string; port: number }>;
  tigerRoot?: Uint8Array;
}

const TIGER_ROOT_LENGTH = 24;

export function hitSources(hit: QueryHit): HitSource[] {
  const firewalled = hit.trailer ? eqhdFlags(hit.trailer.openData).push === true : false;
  const push = hit.trailer && findGgep(hit.trailer.ggep, 'PUSH');
  const packed = push ? decodePackedHosts(push.data) : undefined;
  // PUSH-13: a malformed list names no proxy.
  const pushProxies = packed?.ok
    ? packed.value.map((h) => ({ host: h.address, port: h.port }))
    : [];
  const sources: HitSource[] = [];
  for (const result of hit.results) {
    const sha1 = extensionSha1s(result.extensions)[0];
    if (sha1 === undefined) continue;
    const ggep = result.extensions.flatMap((b) => (b.kind === 'ggep' ? b.extensions : []));
    const tt = findGgep(ggep, 'TT')?.data;
    const size = resultFileSize(result);
    sources.push({
      sha1,
      name: result.name,
      size: size.ok ? size.value : result.size,
      host: hit.address,
      port: hit.port,
      fileIndex: result.index,
      serventId: hit.serventId,
      firewalled,
      pushProxies,
      ...(tt?.length === TIGER_ROOT_LENGTH && { tigerRoot: tt }),
    });
  }
  return sources;
}
