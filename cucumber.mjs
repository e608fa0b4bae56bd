// Cucumber configuration. TypeScript steps load through tsx (NODE_OPTIONS=--import tsx).
// Features come from features/ (cucumber's default), so `cucumber-js features/x.feature` runs just that one.
export default {
  import: ['steps/**/*.ts'],
  format: [
    'progress',
    'summary',
    'json:reports/cucumber.json',
    'junit:reports/junit.xml',
    'html:reports/cucumber.html',
    'message:reports/cucumber.ndjson',
  ],
  formatOptions: { snippetInterface: 'async-await' },
  strict: true,
};
