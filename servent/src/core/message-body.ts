/**
 * One typed body per message type, decoded from the payload the header framed
 * (messages.md §2). Types we do not know, and bodies we cannot read, are never
 * thrown: an unknown type becomes `unknown` with its bytes kept, so it can be
 * skipped by its length (MSG-5) and a re-encode gives the same bytes.
 */
import type { ProtocolError, Result } from './errors.js';
import {
  decodeRouteTableUpdate,
  encodeRouteTableUpdate,
  type RouteTableUpdate,
} from './qrp/index.js';
import {
  type Bye,
  decodeBye,
  decodePing,
  decodePong,
  decodePush,
  decodeQuery,
  decodeQueryHit,
  decodeVendorMessage,
  encodeBye,
  encodePing,
  encodePong,
  encodePush,
  encodeQuery,
  encodeQueryHit,
  encodeVendorMessage,
  MessageType,
  type Ping,
  type Pong,
  type Push,
  type Query,
  type QueryHit,
  type VendorMessage,
} from './wire/index.js';

export type MessageBody =
  | { kind: 'ping'; ping: Ping }
  | { kind: 'pong'; pong: Pong }
  | { kind: 'bye'; bye: Bye }
  | { kind: 'route-table-update'; update: RouteTableUpdate }
  | { kind: 'vendor'; type: 0x31 | 0x32; vendor: VendorMessage }
  | { kind: 'push'; push: Push }
  | { kind: 'query'; query: Query }
  | { kind: 'query-hit'; hit: QueryHit }
  | { kind: 'unknown'; type: number; payload: Uint8Array };

const wrap = <T, B extends MessageBody>(
  result: Result<T>,
  make: (value: T) => B,
): Result<MessageBody, ProtocolError> =>
  result.ok ? { ok: true, value: make(result.value) } : result;

export function decodeBody(type: number, payload: Uint8Array): Result<MessageBody> {
  switch (type) {
    case MessageType.Ping:
      return wrap(decodePing(payload), (ping) => ({ kind: 'ping', ping }));
    case MessageType.Pong:
      return wrap(decodePong(payload), (pong) => ({ kind: 'pong', pong }));
    case MessageType.Bye:
      return wrap(decodeBye(payload), (bye) => ({ kind: 'bye', bye }));
    case MessageType.RouteTableUpdate:
      return wrap(decodeRouteTableUpdate(payload), (update) => ({
        kind: 'route-table-update',
        update,
      }));
    case MessageType.Vendor:
    case MessageType.VendorStd:
      return wrap(decodeVendorMessage(payload), (vendor) => ({ kind: 'vendor', type, vendor }));
    case MessageType.Push:
      return wrap(decodePush(payload), (push) => ({ kind: 'push', push }));
    case MessageType.Query:
      return wrap(decodeQuery(payload), (query) => ({ kind: 'query', query }));
    case MessageType.QueryHit:
      return wrap(decodeQueryHit(payload), (hit) => ({ kind: 'query-hit', hit }));
    default:
      return { ok: true, value: { kind: 'unknown', type, payload } };
  }
}

/** The payload of a body; the header's type is `bodyType(body)`. */
export function encodeBody(body: MessageBody): Uint8Array {
  switch (body.kind) {
    case 'ping':
      return encodePing(body.ping);
    case 'pong':
      return encodePong(body.pong);
    case 'bye':
      return encodeBye(body.bye);
    case 'route-table-update':
      return encodeRouteTableUpdate(body.update);
    case 'vendor':
      return encodeVendorMessage(body.vendor);
    case 'push':
      return encodePush(body.push);
    case 'query':
      return encodeQuery(body.query);
    case 'query-hit':
      return encodeQueryHit(body.hit);
    case 'unknown':
      return body.payload;
  }
}

export function bodyType(body: MessageBody): number {
  switch (body.kind) {
    case 'ping':
      return MessageType.Ping;
    case 'pong':
      return MessageType.Pong;
    case 'bye':
      return MessageType.Bye;
    case 'route-table-update':
      return MessageType.RouteTableUpdate;
    case 'vendor':
      return body.type;
    case 'push':
      return MessageType.Push;
    case 'query':
      return MessageType.Query;
    case 'query-hit':
      return MessageType.QueryHit;
    case 'unknown':
      return body.type;
  }
}
