// Where paperboy is installed (package.json, seeds/), found without loading anything else: `--version` reads it at once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where `seeds/` ships), found from this file in both src/ and dist/src/. */
export const PROJECT_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? '../..' : '..',
);
