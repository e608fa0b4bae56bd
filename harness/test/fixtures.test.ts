/** Committed fixtures are valid and are exactly what the importers make from the recordings. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ConversationSchema } from '../fixtures/conversation.js';
import { importRecording } from '../fixtures/import-recording.js';
import { GTK_PROFILE_FILE, profileFromRecordings } from '../peers/make-profiles.js';

const PEERS = 'fixtures/peers';
const RECORDINGS = resolve('../shared/recordings');

const fixtureFiles = (): string[] =>
  // Recorded conversations live in one folder per client; replay/ holds gnutella-fixture/1 files.
  readdirSync(PEERS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'replay')
    .flatMap((d) => readdirSync(join(PEERS, d.name)).map((f) => join(PEERS, d.name, f)));

test('every conversation fixture matches the gnutella-conversation/1 schema', () => {
  const files = fixtureFiles();
  assert.ok(files.length > 0);
  for (const file of files) {
    const parsed = ConversationSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    assert.ok(parsed.success, `${file}: ${parsed.success ? '' : parsed.error.message}`);
  }
});

test('conversation fixtures are what the importer makes from the recordings today', () => {
  assert.ok(
    existsSync(RECORDINGS),
    `the recordings are expected at ${RECORDINGS} (shared/ beside the project)`,
  );
  for (const file of fixtureFiles()) {
    const fixture = ConversationSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    const source = resolve('..', fixture.recorded.source);
    const fresh = importRecording(
      JSON.parse(readFileSync(source, 'utf8')),
      fixture.recorded.source,
    );
    assert.deepEqual(
      fresh,
      fixture,
      `${file} is stale: re-run harness/fixtures/import-recording.ts`,
    );
  }
});

test('a recorded message is cut whole: its header length field equals its payload size', () => {
  for (const file of fixtureFiles()) {
    for (const m of ConversationSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).messages) {
      const bytes = Buffer.from(m.hex, 'hex');
      assert.equal(bytes.length, 23 + bytes.readUInt32LE(19), `${file} at ${m.t_ms} ms`);
      assert.equal(bytes[16], m.type);
    }
  }
});

test('header profiles are what make-profiles makes from the recordings today', () => {
  const committed = JSON.parse(readFileSync(GTK_PROFILE_FILE, 'utf8'));
  assert.deepEqual(
    profileFromRecordings(RECORDINGS),
    committed,
    're-run harness/peers/make-profiles.ts',
  );
});
