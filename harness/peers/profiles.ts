/**
 * Header profiles of real clients for scripted fixture peers
 * (fixtures/profiles/*.json). gtk-gnutella's is made from a recording by
 * make-profiles.ts and never edited by hand; the others are assembled by hand
 * from the client sources and captures their `provenance` names, since no
 * recording of those clients exists here. Per-connection values (addresses)
 * are filled in when a fixture peer uses the profile.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Fields = Array<readonly [string, string]>;

/** Where a hand-assembled profile's headers come from, block by block. */
export interface Provenance {
  /** How the profile was made (by hand from the sources below, not recorded). */
  how: string;
  /** Sources of block (1): repository and path, or URL, and what each gave. */
  leafRequest: string[];
  /** Sources of block (2). */
  ultrapeerResponse: string[];
  /** What the sources did not settle, and what was chosen. */
  gaps?: string[];
}

export interface ClientProfile {
  client: string;
  source: string;
  /** Absent on a profile made from a recording: its `source` names the recording. */
  provenance?: Provenance;
  /** Block (1) a leaf of this client sends to an ultrapeer. */
  leafRequest: Fields;
  /** Block (2) an ultrapeer of this client answers a leaf with. */
  ultrapeerResponse: Fields;
}

const PROFILE_DIR = fileURLToPath(new URL('../../fixtures/profiles/', import.meta.url));

export function loadProfile(name: string): ClientProfile {
  return JSON.parse(readFileSync(`${PROFILE_DIR}${name}.json`, 'utf8')) as ClientProfile;
}

/** The names `loadProfile` takes, e.g. `gtk-gnutella-1.2.3`, sorted. */
export function listProfiles(): string[] {
  return readdirSync(PROFILE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Where a header carries an address, the fixture's own or the SUT's, fill it in for this connection. */
export function personalise(
  fields: Fields,
  own: { host: string; port: number },
  sutHost: string,
): Fields {
  return fields.map(([name, value]) => {
    switch (name.toLowerCase()) {
      case 'node':
      case 'listen-ip':
      case 'x-my-address':
        return [name, `${own.host}:${own.port}`] as const;
      case 'remote-ip':
        return [name, sutHost] as const;
      default:
        return [name, value] as const;
    }
  });
}

/** The same fields less the named ones (case-insensitive). */
export function without(fields: Fields, ...names: string[]): Fields {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  return fields.filter(([n]) => !drop.has(n.toLowerCase()));
}
