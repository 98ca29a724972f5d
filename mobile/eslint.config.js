// https://docs.expo.dev/guides/using-eslint/
const { defineConfig } = require('eslint/config');
const expoConfig = require('eslint-config-expo/flat');

module.exports = defineConfig([
  expoConfig,
  {
    ignores: ['dist/*', 'node_modules/*', 'e2e/screenshots/*', 'test-results/*', 'playwright-report/*'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      // No `any` at the API boundary (or anywhere else).
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
]);
