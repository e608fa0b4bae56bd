/**
 * Hash vectors whose values come from outside this code base.
 *
 * SPEC: http-transfers.md §13 (computed by the spec's authors, cross-checked
 * with rhash 1.4.3, the THEX draft and gtk-gnutella's tigertree.c self-test).
 *
 * RECORDED: shared/recordings/gtk-gnutella-1.2.3 — files shared by real
 * gtk-gnutella 1.2.3 servents. Content = the 200 OK body gtk-gnutella sent
 * (plain/02_notls_plain_s08_http_…json frame 1 for delta, plain/02_notls_plain_s10_giv_…json
 * frame 2 for alpha; the same bodies appear in the default/ set). The URNs are
 * from the same responses' X-Gnutella-Content-URN and X-Thex-URI headers.
 */
import { ascii, filled } from './support.js';

export interface FileVector {
  name: string;
  content: Uint8Array;
  sha1Urn: string;
  /** Tiger tree root, base32. */
  tth: string;
}

export const SPEC_VECTORS: readonly FileVector[] = [
  {
    name: 'empty (0 bytes)',
    content: new Uint8Array(0),
    sha1Urn: 'urn:sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ',
    tth: 'LWPNACQDBZRYXW3VHJVCJ64QBZNGHOHHHZWCLNQ',
  },
  {
    name: '1 byte 0x00',
    content: filled(1, 0),
    sha1Urn: 'urn:sha1:LOUTZHNQZ74T6UVVEHLUEDSD63W2E6CP',
    tth: 'VK54ZIEEVTWNAUI5D5RDFIL37LX2IQNSTAXFKSA',
  },
  {
    name: 'abc',
    content: ascii('abc'),
    sha1Urn: 'urn:sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5',
    tth: 'ASD4UJSEH5M47PDYB46KBTSQTSGDKLBHYXOMUIA',
  },
  {
    name: 'a-z (26 bytes)',
    content: ascii('abcdefghijklmnopqrstuvwxyz'),
    sha1Urn: 'urn:sha1:GLIQY64M7FSXBSQEZY37FIM5QQSA2OUJ',
    tth: 'LMHNA2VYO465P2RDOGTR2CL6XKHZNI2X4CCUY5Y',
  },
  {
    name: "1024 x 'A'",
    content: filled(1024, 0x41),
    sha1Urn: 'urn:sha1:ORWD6TJINRJR4BS6RL3W4CWAQ2EDDRVU',
    tth: 'L66Q4YVNAFWVS23X2HJIRA5ZJ7WXR3F26RSASFA',
  },
  {
    name: "1025 x 'A'",
    content: filled(1025, 0x41),
    sha1Urn: 'urn:sha1:UUHHSQPHQXN5X6EMYK6CD7IJ7BHZTE77',
    tth: 'PZMRYHGY6LTBEH63ZWAHDORHSYTLO4LEFUIKHWY',
  },
  {
    name: '1024 x 0x00',
    content: filled(1024, 0),
    sha1Urn: 'urn:sha1:MDFMX46XFYPHQNBAHWTAQA33DP4DWQHI',
    tth: 'CMKDYROZKSC6VTM4I7LSMMHPAE4UG3FXPXZGGKY',
  },
  {
    name: '1025 x 0x00',
    content: filled(1025, 0),
    sha1Urn: 'urn:sha1:BC4JLSCQKHMZI56N6VWYBRAANQTCASHP',
    tth: 'X5L7BVJUPJZELRNCGIBQ7M32NKBEKCWQLWXSD2Q',
  },
  {
    name: '3072 x 0x00',
    content: filled(3072, 0),
    sha1Urn: 'urn:sha1:ALWB6YFS45TUDXMYJCWEGICX76OVRV2Q',
    tth: 'VGCPC4YDRKEA55ORGBCZSKW3R4OGQ2A7JEYOEEY',
  },
  {
    name: '1 MiB x 0x00',
    content: filled(1 << 20, 0),
    sha1Urn: 'urn:sha1:HNY7IP7TB5FRLNONQXOZ5FPLY7UE5NND',
    tth: 'MUACEID6UTVUKTRE2MTZKOPTZTMS6A2OF6B4ZNY',
  },
];

export const RECORDED_FILES: readonly FileVector[] = [
  {
    name: 'delta_ultra_file.txt (shared by A)',
    content: ascii('Delta file shared by ultrapeer A.\n'.repeat(10)),
    sha1Urn: 'urn:sha1:K2XZ2AS3RN63R37KEA4W3R3I6D4HAKRR',
    tth: 'JV22LKQCC6E6V5C2OMGVGXIXHYM4F56NYPW2OPY',
  },
  {
    name: 'alpha_test_file.txt (shared by B)',
    content: ascii('Hello from gtk-gnutella leaf B. This is test file alpha.\n'),
    sha1Urn: 'urn:sha1:5TR7FAGIBF4QT4AAY4KLBLDG6XWN6GI3',
    tth: '2RZCOPFBCR3YNP7ETAHEQMA5TE76HQMAWRRZOMY',
  },
];
