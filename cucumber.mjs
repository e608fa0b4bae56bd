// Cucumber configuration. TypeScript steps load through tsx (NODE_OPTIONS=--import tsx).
export default {
  paths: ['features/**/*.feature'],
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
