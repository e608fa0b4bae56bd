/**
 * TTL and hops on relayed messages (messages.md §4, ultrapeers-and-routing.md
 * §6.2). A relayed message is the received bytes with two header bytes
 * changed, serialized once and shared by every link it goes to.
 */
import { HEADER_LENGTH, PUSH_LENGTH } from '../wire/index.js';

/** Header offsets of the TTL and hops bytes (messages.md §2). */
const TTL_OFFSET = 17;
const HOPS_OFFSET = 18;

/** A TTL or hops byte at or above this reads negative to LimeWire, which drops it (MSG-11). */
const SIGNED_BYTE_LIMIT = 128;

export type HeaderFault = 'ttl-or-hops-over-127' | 'over-hard-ttl-limit';

/**
 * Why a routed message (Ping, Pong, Push, Query, QueryHit) must be dropped on
 * arrival, or undefined: TTL or hops ≥ 128 (MSG-11), hops + TTL above the hard
 * limit (MSG-10). Hops 255 is covered by the first rule (MSG-9).
 */
export function headerFault(
  ttl: number,
  hops: number,
  hardTtlLimit: number,
): HeaderFault | undefined {
  if (ttl >= SIGNED_BYTE_LIMIT || hops >= SIGNED_BYTE_LIMIT) return 'ttl-or-hops-over-127';
  if (ttl + hops > hardTtlLimit) return 'over-hard-ttl-limit';
  return undefined;
}

/**
 * The TTL a relayed broadcast carries: first trimmed so hops + TTL ≤
 * `maxHopsPlusTtl` (MSG-10, RT-6), then decremented (MSG-8, RT-1). Zero or
 * less means no further hop, except QRP delivery to leaves (MSG-9, QRP-12).
 * Relayed TTL + hops never exceeds the received sum.
 */
export function relayedTtl(ttl: number, hops: number, maxHopsPlusTtl: number): number {
  return Math.min(ttl, maxHopsPlusTtl - hops) - 1;
}

/** A copy of a whole message with new TTL and hops bytes (MSG-8). */
export function relayCopy(raw: Uint8Array, ttl: number, hops: number): Uint8Array {
  const copy = raw.slice();
  copy[TTL_OFFSET] = ttl;
  copy[HOPS_OFFSET] = hops;
  return copy;
}

/**
 * A relayed Push without the GGEP block after its 26 bytes, for a peer that
 * did not announce GGEP (HS-27): the payload length shrinks to 26.
 */
export function withoutPushGgep(message: Uint8Array): Uint8Array {
  const copy = message.slice(0, HEADER_LENGTH + PUSH_LENGTH);
  new DataView(copy.buffer).setUint32(19, PUSH_LENGTH, true);
  return copy;
}
