/**
 * Handshake policy: which headers we write and whether we accept a peer in the
 * role it claims (handshake.md §6). Pure: the shell supplies the facts (profile,
 * free slots, the peer's address, hosts to suggest) and gets fields or a `Reply`.
 *
 * We advertise only what the servent implements: QRP between leaf and
 * ultrapeer and between ultrapeers, GGEP, vendor messages, Bye, pong caching,
 * probe extensions and, as an ultrapeer, dynamic querying.
 */

import { dottedIpv4Of, isDottedIpv4, isValidPort } from './addresses.js';
import type { HeaderBlock } from './block.js';
import { MAX_TRY_ULTRAPEERS } from './constants.js';
import { offersDeflate } from './encoding.js';
import type { Reply } from './handshake.js';
import { formatBool, type HeaderField, HeaderName } from './headers.js';

export type NodeMode = 'ultrapeer' | 'leaf';

export interface LocalProfile {
  userAgent: string;
  mode: NodeMode;
  /** Our listening address as peers should reach it. */
  listen: { host: string; port: number };
  /** Offer Accept-Encoding: deflate and compress towards peers that offer it. */
  acceptDeflate: boolean;
  /** Our ultrapeer connection count target, advertised as X-Degree (UP-1). */
  degree: number;
}

export interface SlotState {
  freeLeafSlots: number;
  freeUltrapeerSlots: number;
  connectedUltrapeers: number;
}

export interface PeerContext {
  /** The peer's address as our socket sees it (dotted IPv4, possibly `::ffff:`-mapped). */
  remoteAddress: string;
}

/** Versions of what we implement, as the peers we interoperate with write them (§5). */
const BYE_PACKET_VERSION = '0.1';
const GGEP_VERSION = '0.5';
const VENDOR_MESSAGE_VERSION = '0.2';
const QUERY_ROUTING_VERSION = '0.1';
const PONG_CACHING_VERSION = '0.1';
const EXT_PROBES_VERSION = '0.1';
/** DQ-1: an ultrapeer that runs its leaves' queries dynamically says so (and a leaf, to pass as "good"). */
const DYNAMIC_QUERYING_VERSION = '0.1';
/** The highest TTL we accept on fresh queries (UP-1: between 1 and 4). */
export const OUR_MAX_TTL = 4;

const OK = 'OK';

/** Fields both our block (1) and our block (2) carry (HS-16, HS-21, HS-26). */
function commonFields(profile: LocalProfile, peer: PeerContext): HeaderField[] {
  const fields: HeaderField[] = [
    [HeaderName.UserAgent, profile.userAgent],
    [HeaderName.XUltrapeer, formatBool(profile.mode === 'ultrapeer')],
  ];
  const { host, port } = profile.listen;
  // An unknown or wildcard address would send peers nowhere: leave it out.
  if (isDottedIpv4(host) && host !== '0.0.0.0' && isValidPort(port)) {
    fields.push([HeaderName.ListenIp, `${host}:${port}`]);
  }
  const remote = dottedIpv4Of(peer.remoteAddress);
  if (remote !== undefined) fields.push([HeaderName.RemoteIp, remote]);
  if (profile.acceptDeflate) fields.push([HeaderName.AcceptEncoding, 'deflate']);
  fields.push(
    [HeaderName.ByePacket, BYE_PACKET_VERSION],
    [HeaderName.Ggep, GGEP_VERSION],
    [HeaderName.PongCaching, PONG_CACHING_VERSION],
    [HeaderName.VendorMessage, VENDOR_MESSAGE_VERSION],
    // Both QRP headers and X-Degree/X-Max-TTL in both roles: LimeWire's "good" peer test (§2 of
    // ultrapeers-and-routing.md), and a leaf without them is refused by gtk-gnutella ultrapeers.
    [HeaderName.XQueryRouting, QUERY_ROUTING_VERSION],
    [HeaderName.XUltrapeerQueryRouting, QUERY_ROUTING_VERSION],
    [HeaderName.XDegree, String(profile.degree)],
    [HeaderName.XMaxTtl, String(OUR_MAX_TTL)],
    // LimeWire's "good" test wants X-Dynamic-Querying from leaves too (ultrapeers-and-routing.md §2).
    [HeaderName.XDynamicQuerying, DYNAMIC_QUERYING_VERSION],
    // We relay a higher-TTL copy of a probe we saw (RT-2), so probing us at TTL 1 costs nothing.
    [HeaderName.XExtProbes, EXT_PROBES_VERSION],
  );
  if (profile.mode === 'leaf') fields.push([HeaderName.XRequeries, formatBool(false)]);
  return fields;
}

/** Fields of our block (1). */
export function requestFields(profile: LocalProfile, peer: PeerContext): HeaderField[] {
  return commonFields(profile, peer);
}

/** Compress towards a peer that offered deflate, when we do deflate at all (HS-22). */
function contentEncoding(peerBlock: HeaderBlock, profile: LocalProfile): HeaderField[] {
  return profile.acceptDeflate && offersDeflate(peerBlock.headers)
    ? [[HeaderName.ContentEncoding, 'deflate']]
    : [];
}

/** An ultrapeer's balance hint: True with UP slots free, False with only leaf slots, absent when full (§5). */
function ultrapeerNeeded(profile: LocalProfile, slots: SlotState): HeaderField[] {
  if (profile.mode !== 'ultrapeer') return [];
  if (slots.freeUltrapeerSlots > 0) return [[HeaderName.XUltrapeerNeeded, 'True']];
  if (slots.freeLeafSlots > 0) return [[HeaderName.XUltrapeerNeeded, 'False']];
  return [];
}

/** Why we would refuse an initiator with this X-Ultrapeer, or undefined to accept. */
function incomingRefusal(
  profile: LocalProfile,
  slots: SlotState,
  peerIsUltrapeer: boolean | undefined,
): string | undefined {
  if (profile.mode === 'leaf') {
    // A leaf talks only to ultrapeers (HS-18).
    if (peerIsUltrapeer !== true) return 'Shielded leaf node';
    return slots.freeUltrapeerSlots > 0 ? undefined : 'No Ultrapeer Slots';
  }
  // Neither header: an old "normal" node, which modern clients refuse (§6).
  if (peerIsUltrapeer === undefined) return 'Normal nodes refused';
  if (peerIsUltrapeer) return slots.freeUltrapeerSlots > 0 ? undefined : 'No Ultrapeer Slots';
  return slots.freeLeafSlots > 0 ? undefined : 'No Leaf Slots';
}

/**
 * Our block (2) for a peer's block (1). `tryUltrapeers` are `ip:port` entries
 * other than both endpoints; a refusal carries up to 10 of them (HS-17).
 */
export function decideIncoming(
  request: HeaderBlock,
  profile: LocalProfile,
  slots: SlotState,
  peer: PeerContext,
  tryUltrapeers: ReadonlyArray<string>,
): Reply {
  const common = [...commonFields(profile, peer), ...ultrapeerNeeded(profile, slots)];
  const reason = incomingRefusal(profile, slots, request.headers.getBoolean(HeaderName.XUltrapeer));
  if (reason === undefined) {
    return { code: 200, reason: OK, fields: [...common, ...contentEncoding(request, profile)] };
  }
  const hosts = tryUltrapeers.slice(0, MAX_TRY_ULTRAPEERS);
  const tryField: HeaderField[] =
    hosts.length > 0 ? [[HeaderName.XTryUltrapeers, hosts.join(',')]] : [];
  return { code: 503, reason, fields: [...common, ...tryField] };
}

/** Why we would refuse the responder we dialled, or undefined to accept. */
function outgoingRefusal(
  profile: LocalProfile,
  slots: SlotState,
  peerIsUltrapeer: boolean | undefined,
): string | undefined {
  // We dial to reach ultrapeers, so one is always welcome.
  if (peerIsUltrapeer === true) return undefined;
  if (profile.mode === 'leaf') return 'Need an Ultrapeer';
  if (peerIsUltrapeer === undefined) return 'Normal nodes refused';
  return slots.freeLeafSlots > 0 ? undefined : 'No Leaf Slots';
}

/**
 * Our block (3) for a responder's 200 block (2). `X-Ultrapeer-Needed: False`
 * guidance is not followed yet (HS-20 is optional), so we keep our mode.
 */
export function decideOutgoing(
  response: HeaderBlock,
  profile: LocalProfile,
  slots: SlotState,
  _peer: PeerContext,
): Reply {
  const reason = outgoingRefusal(
    profile,
    slots,
    response.headers.getBoolean(HeaderName.XUltrapeer),
  );
  if (reason !== undefined) return { code: 503, reason, fields: [] };
  return { code: 200, reason: OK, fields: contentEncoding(response, profile) };
}
