/**
 * Makes fixtures/profiles/*.json from real recordings in ../shared/recordings.
 * Run: npx tsx harness/peers/make-profiles.ts [RECORDINGS_DIR]
 *
 * gtk-gnutella 1.2.3, default build: conversation s00 is a gtk-gnutella leaf
 * (B) connecting to a gtk-gnutella ultrapeer (A); both header blocks are real
 * client bytes. Fields are taken from the raw hex, not from the convenience
 * decode the recording also carries.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlockReader } from '../../servent/src/core/handshake/index.js';
import type { ClientProfile } from './profiles.js';

const recordings = process.argv[2] ?? '../shared/recordings';
const file =
  'gtk-gnutella-1.2.3/default/01_default_deflate_s00_gnutella_127.0.0.2-44435_to_127.0.0.1-6346.json';

interface Recording {
  peer: string;
  frames: Array<{ dir: 'in' | 'out'; hex: string }>;
}

const rec = JSON.parse(readFileSync(join(recordings, file), 'utf8')) as Recording;
const firstBlock = (dir: 'in' | 'out') => {
  const frame = rec.frames.find((f) => f.dir === dir);
  if (!frame) throw new Error(`${file}: no '${dir}' frame`);
  const result = new BlockReader().write(Buffer.from(frame.hex, 'hex'));
  if (result.kind !== 'block')
    throw new Error(`${file}: the first '${dir}' frame is not a whole header block`);
  return result.block.headers.fields().map(([n, v]) => [n, v] as const);
};

const profile: ClientProfile = {
  client: rec.peer,
  source: `shared/recordings/${file} (first 'in' frame: leaf block (1); first 'out' frame: ultrapeer block (2))`,
  leafRequest: firstBlock('in'),
  ultrapeerResponse: firstBlock('out'),
};
writeFileSync('fixtures/profiles/gtk-gnutella-1.2.3.json', `${JSON.stringify(profile, null, 2)}\n`);
console.log(
  `wrote fixtures/profiles/gtk-gnutella-1.2.3.json (${profile.leafRequest.length} + ${profile.ultrapeerResponse.length} fields)`,
);
