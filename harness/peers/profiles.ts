/**
 * Header profiles of real clients for scripted fixture peers. A profile file
 * (fixtures/profiles/*.json) is made from a recording by make-profiles.ts and
 * never edited by hand. Per-connection values (addresses) are filled in when a
 * fixture peer uses the profile.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Fields = Array<readonly [string, string]>;

export interface ClientProfile {
  client: string;
  source: string;
  /** Block (1) a leaf of this client sends to an ultrapeer. */
  leafRequest: Fields;
  /** Block (2) an ultrapeer of this client answers a leaf with. */
  ultrapeerResponse: Fields;
}

const PROFILE_DIR = fileURLToPath(new URL('../../fixtures/profiles/', import.meta.url));

export function loadProfile(name: string): ClientProfile {
  return JSON.parse(readFileSync(`${PROFILE_DIR}${name}.json`, 'utf8')) as ClientProfile;
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
