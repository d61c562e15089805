// Lint: type-aware TypeScript rules (an unawaited promise in a socket handler is a lost error)
// and the fences between parts of the workspace.
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';

const noDrizzleInRoutes = {
  group: ['drizzle-orm', 'drizzle-orm/*', '@cityops/db'],
  message:
    'Routes parse, call one service and shape the reply; database access lives in server/src/<feature>/.',
};
const noServerInWeb = {
  group: [
    '@cityops/server',
    '@cityops/server/*',
    '@cityops/db',
    '@cityops/db/*',
    '@cityops/seed',
    '**/server/src/**',
    '**/packages/db/**',
  ],
  message:
    'The web app talks to the server over HTTP and the socket only (types come from @cityops/protocol).',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '**/drizzle.config.ts',
      '**/build/',
      '**/.svelte-kit*/',
      '**/dist/',
      'data/',
      '**/*.svelte',
      'web/**/*.js',
      '**/*.cjs',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: {
      // SvelteKit's tsconfig leaves the service worker out (it has its own webworker lib).
      parserOptions: {
        projectService: { allowDefaultProject: ['web/src/service-worker.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['server/src/routes/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noDrizzleInRoutes] }] },
  },
  {
    files: ['web/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noServerInWeb] }] },
  },
  ...svelte.configs['flat/base'].map((c) => ({ ...c, files: ['web/src/**/*.svelte'] })),
  {
    files: ['web/src/**/*.svelte'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noServerInWeb] }] },
  },
  {
    files: ['eslint.config.js', 'vitest.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
