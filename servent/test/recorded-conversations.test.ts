/**
 * Oracle: every message a real client sent in the recorded conversations
 * (fixtures/peers, cut from ../shared/recordings without our codec) decodes
 * and re-encodes byte-identically, header and body.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bodyType, decodeBody, encodeBody } from '../src/core/message-body.js';
import { decodeHeader, encodeHeader } from '../src/core/wire/index.js';

interface RecordedMessage {
  from: string;
  t_ms: number;
  real: boolean;
  type: number;
  hex: string;
}

const PEERS = 'fixtures/peers';
// One folder per recorded client; replay/ holds replayable fixtures, another format.
const clients = readdirSync(PEERS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'replay')
  .map((d) => d.name);
const conversations = clients.flatMap((client) =>
  readdirSync(join(PEERS, client)).map((file) => ({
    file: join(PEERS, client, file),
    messages: (
      JSON.parse(readFileSync(join(PEERS, client, file), 'utf8')) as { messages: RecordedMessage[] }
    ).messages,
  })),
);

// Real pushes are absent: the recordings' only pushes come from the scripted test peer.
test('the recordings hold real messages of every other common type, and an unknown one', () => {
  const types = new Set(
    conversations.flatMap((c) => c.messages.filter((m) => m.real).map((m) => m.type)),
  );
  for (const type of [0x00, 0x01, 0x02, 0x30, 0x31, 0x80, 0x81, 0xcd])
    assert.ok(types.has(type), `type 0x${type.toString(16)}`);
});

for (const { file, messages } of conversations) {
  const real = messages.filter((m) => m.real);
  if (real.length === 0) continue;
  test(`MSG-1 MSG-5 real messages of ${file.split('/').at(-1)} round-trip byte-identically`, () => {
    for (const m of real) {
      const bytes = Buffer.from(m.hex, 'hex');
      const where = `${file} at ${m.t_ms} ms, type 0x${m.type.toString(16)}`;
      const header = decodeHeader(bytes);
      assert.ok(header.ok, where);
      const payload = bytes.subarray(23);
      const body = decodeBody(header.value.type, payload);
      assert.ok(body.ok, `${where}: ${body.ok ? '' : body.error.message}`);
      assert.equal(bodyType(body.value), header.value.type, where);
      const again = Buffer.concat([encodeHeader(header.value), encodeBody(body.value)]);
      assert.equal(again.toString('hex'), m.hex, where);
    }
  });
}
