// Lint rules: typescript-eslint's recommended set, plus the core/adapter boundary.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        NodeJS: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The core never knows the platform: no chat SDK and no adapter imports in src/ or commands/.
    files: ['src/**/*.ts', 'commands/**/*.ts'],
    ignores: ['src/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['discord.js', '@discordjs/*', '@slack/*'], message: 'The core must not import a chat SDK; put it in adapters/.' },
            { group: ['**/adapters/**', '../adapters/*', '../../adapters/*'], message: 'The core must not import adapters; only src/app.ts wires them.' },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.ts', 'scripts/**/*.mjs', 'test/**/*.ts', 'test/**/*.mjs', 'bin/**/*.js'],
    rules: { 'no-console': 'off' },
  },
);
