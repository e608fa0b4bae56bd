/**
 * Messages a link answers or sends by itself, never routed: the pong that
 * describes this servent in answer to a ping, and Bye.
 */
import {
  encodeBye,
  encodeMessage,
  encodePong,
  type MessageHeader,
  MessageType,
  newGuid,
} from '../wire/index.js';

export interface SelfDescription {
  /** The address and port peers reach us at on this link. */
  address: { host: string; port: number };
  mode: 'ultrapeer' | 'leaf';
  sharedFiles: number;
  sharedKilobytes: number;
}

/**
 * The pong describing us, with the ping's GUID, hops 0 and TTL = ping hops + 2
 * (MSG-16 asks ≥ hops + 1, SHOULD ≥ hops + 2). The KB count marks the mode:
 * a power of two ≥ 8 for an ultrapeer, anything else for a leaf (MSG-38).
 */
export function selfPong(ping: MessageHeader, self: SelfDescription): Uint8Array {
  const payload = encodePong({
    port: self.address.port,
    address: self.address.host,
    sharedFiles: self.sharedFiles,
    sharedKilobytes: markedKilobytes(self.sharedKilobytes, self.mode),
    ggep: new Uint8Array(0),
  });
  return encodeMessage(
    { guid: ping.guid, type: MessageType.Pong, ttl: Math.min(ping.hops + 2, 7), hops: 0 },
    payload,
  );
}

/** Rounds the KB count to the mode's marking (gtk-gnutella's convention, messages.md). */
export function markedKilobytes(kb: number, mode: 'ultrapeer' | 'leaf'): number {
  if (mode === 'ultrapeer') {
    let marked = 8;
    while (marked < kb && marked < 2 ** 31) marked *= 2;
    return marked;
  }
  // A leaf's count must not look like an ultrapeer's: set bit 0 of a non-zero count.
  return kb === 0 ? 0 : kb | 1;
}

/** Bye: TTL 1, hops 0, a fresh GUID (MSG-34). */
export function byeMessage(
  code: number,
  reason: string,
  random: (n: number) => Uint8Array,
): Uint8Array {
  return encodeMessage(
    { guid: newGuid(random), type: MessageType.Bye, ttl: 1, hops: 0 },
    encodeBye({ code, reason }),
  );
}
