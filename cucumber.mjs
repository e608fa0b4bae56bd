// Cucumber configuration. TypeScript steps load through tsx (NODE_OPTIONS=--import tsx).
// Features come from features/ (cucumber's default), so `cucumber-js features/x.feature` runs just that one.
// Reports go to GNUTELLA_REPORT_DIR (`gnutella-conformance run --report DIR` sets it), else reports/.
const dir = process.env.GNUTELLA_REPORT_DIR ?? 'reports';

export default {
  import: ['steps/**/*.ts'],
  format: [
    'progress',
    'summary',
    `json:${dir}/cucumber.json`,
    `junit:${dir}/junit.xml`,
    `html:${dir}/cucumber.html`,
    `message:${dir}/cucumber.ndjson`,
  ],
  formatOptions: { snippetInterface: 'async-await' },
  strict: true,
};
