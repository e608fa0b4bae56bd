/**
 * Message codec throughput: decode and encode rate of each payload type, in
 * messages per second, on spec vectors and recorded gtk-gnutella frames; and
 * the framer splitting a mixed stream into messages. The query decoder's
 * target is 10^6 messages per second on one core.
 */
import {
  type Bye,
  decodeBye,
  decodePing,
  decodePong,
  decodePush,
  decodeQuery,
  decodeQueryHit,
  encodeBye,
  encodePing,
  encodePong,
  encodePush,
  encodeQuery,
  encodeQueryHit,
  MessageFramer,
  type Ping,
  type Pong,
  type Push,
  type Query,
  type QueryHit,
} from '../servent/src/core/wire/index.js';
import { s00In13, s00Out6, s04In8, s04Out7, s07Out6 } from '../servent/test/wire/recorded.js';
import * as spec from '../servent/test/wire/vectors.js';
import { type BenchTask, runBench } from './lib.js';

const BATCH = 1_000;

const payloadOf = (message: Uint8Array): Uint8Array => message.slice(23);

/** A LimeWire-style query: XML wanted, media mask, OOB token request, COBS'd GGEP, trailing NUL. */
const limeWireQuery = encodeQuery({
  flags: 0xe400,
  criteria: 'linux distribution iso',
  extensions: [
    {
      kind: 'ggep',
      extensions: [
        { id: 'M', data: Uint8Array.of(0x10), compressed: false, cobs: false },
        { id: 'SO', data: new Uint8Array(), compressed: false, cobs: false },
        { id: 'NP', data: new Uint8Array(), compressed: false, cobs: false },
      ],
    },
  ],
  trailingNul: true,
});

interface Codec<T> {
  label: string;
  payload: Uint8Array;
  decode: (payload: Uint8Array) => { ok: true; value: T } | { ok: false };
  encode: (message: T) => Uint8Array;
}

function codec<T>(
  label: string,
  payload: Uint8Array,
  decode: Codec<T>['decode'],
  encode: Codec<T>['encode'],
): Codec<unknown> {
  return { label, payload, decode, encode } as Codec<unknown>;
}

const codecs: Codec<unknown>[] = [
  codec<Ping>('ping, empty (§13.1)', payloadOf(spec.alivePing), decodePing, encodePing),
  codec<Ping>('ping, GGEP SCP (§13.2)', payloadOf(spec.scpPing), decodePing, encodePing),
  codec<Pong>(
    'pong, gtk-gnutella (s00 frame 6)',
    payloadOf(s00Out6.subarray(0, 65)),
    decodePong,
    encodePong,
  ),
  codec<Bye>(
    'bye, gtk-gnutella long form (s00 frame 13)',
    payloadOf(s00In13),
    decodeBye,
    encodeBye,
  ),
  codec<Query>(
    'query, gtk-gnutella relayed (s04 frame 7)',
    payloadOf(s04Out7),
    decodeQuery,
    encodeQuery,
  ),
  codec<Query>('query, urn: request (§13.4)', payloadOf(spec.query), decodeQuery, encodeQuery),
  codec<Query>(
    'query, OOB urn:sha1 + GGEP (§13.5)',
    payloadOf(spec.oobQuery),
    decodeQuery,
    encodeQuery,
  ),
  codec<Query>('query, LimeWire-style GGEP M SO NP', limeWireQuery, decodeQuery, encodeQuery),
  codec<QueryHit>(
    'query hit, 2 records (§13.6)',
    payloadOf(spec.queryHit),
    decodeQueryHit,
    encodeQueryHit,
  ),
  codec<QueryHit>(
    'query hit, gtk-gnutella (s04 frame 8)',
    payloadOf(s04In8),
    decodeQueryHit,
    encodeQueryHit,
  ),
  codec<Push>('push (§13.7)', payloadOf(spec.push), decodePush, encodePush),
];

/** Every vector and recorded frame above, one after another: 14 messages. */
const stream = Uint8Array.from([
  ...spec.alivePing,
  ...spec.scpPing,
  ...spec.ggepPong,
  ...s00Out6,
  ...spec.query,
  ...spec.oobQuery,
  ...s04Out7,
  ...spec.queryHit,
  ...s04In8,
  ...s07Out6,
  ...spec.push,
  ...spec.longBye,
  ...s00In13,
]);
const STREAM_MESSAGES = 14;
// Segments of 1 460 bytes, as TCP delivers them, cutting messages anywhere.
const SEGMENT = 1_460;

export async function main(): Promise<void> {
  const tasks: BenchTask[] = codecs.flatMap(({ label, payload, decode, encode }) => {
    const decoded = decode(payload);
    if (!decoded.ok) throw new Error(`bench sample does not decode: ${label}`);
    const message = decoded.value;
    return [
      {
        name: `decode ${label} (${payload.length} B)`,
        fn: () => {
          for (let i = 0; i < BATCH; i++) decode(payload);
        },
        items: BATCH,
        unit: 'msg',
      },
      {
        name: `encode ${label}`,
        fn: () => {
          for (let i = 0; i < BATCH; i++) encode(message);
        },
        items: BATCH,
        unit: 'msg',
      },
    ];
  });
  const repeated = new Uint8Array(stream.length * 20);
  for (let i = 0; i < 20; i++) repeated.set(stream, i * stream.length);
  tasks.push({
    name: `framer, mixed stream in ${SEGMENT}-byte segments (${repeated.length} B)`,
    fn: () => {
      const framer = new MessageFramer();
      for (let at = 0; at < repeated.length; at += SEGMENT) {
        framer.write(repeated.subarray(at, at + SEGMENT));
      }
    },
    items: STREAM_MESSAGES * 20,
    unit: 'msg',
  });
  await runBench('wire codec: messages per second', tasks);
}
