/**
 * Makes the recorded profiles in fixtures/profiles from real recordings in
 * ../shared/recordings (the other profiles there are assembled by hand).
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

const RECORDING =
  'gtk-gnutella-1.2.3/default/01_default_deflate_s00_gnutella_127.0.0.2-44435_to_127.0.0.1-6346.json';
export const GTK_PROFILE_FILE = 'fixtures/profiles/gtk-gnutella-1.2.3.json';

interface Recording {
  peer: string;
  frames: Array<{ dir: 'in' | 'out'; hex: string }>;
}

export function profileFromRecordings(recordings: string): ClientProfile {
  const rec = JSON.parse(readFileSync(join(recordings, RECORDING), 'utf8')) as Recording;
  const firstBlock = (dir: 'in' | 'out') => {
    const frame = rec.frames.find((f) => f.dir === dir);
    if (!frame) throw new Error(`${RECORDING}: no '${dir}' frame`);
    const result = new BlockReader().write(Buffer.from(frame.hex, 'hex'));
    if (result.kind !== 'block')
      throw new Error(`${RECORDING}: the first '${dir}' frame is not a whole header block`);
    return result.block.headers.fields().map(([n, v]) => [n, v] as const);
  };
  return {
    client: rec.peer,
    source: `shared/recordings/${RECORDING} (first 'in' frame: leaf block (1); first 'out' frame: ultrapeer block (2))`,
    leafRequest: firstBlock('in'),
    ultrapeerResponse: firstBlock('out'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = profileFromRecordings(process.argv[2] ?? '../shared/recordings');
  writeFileSync(GTK_PROFILE_FILE, `${JSON.stringify(profile, null, 2)}\n`);
  console.log(
    `wrote ${GTK_PROFILE_FILE} (${profile.leafRequest.length} + ${profile.ultrapeerResponse.length} fields)`,
  );
}
