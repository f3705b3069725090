// A `node --import` preload for tests: appends every module the process loads (ES modules and CommonJS files) to the file LOADED_MODULES_FILE names.
import fs from 'node:fs';
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';

const out = process.env.LOADED_MODULES_FILE;
if (out) {
  // NOTE: ES modules are seen by a load hook (it runs on the loader's own thread); CommonJS files `require`d
  // by a package are not, so the CommonJS loader's resolution is recorded too.
  register(new URL('./recordLoadsHooks.mjs', import.meta.url), { data: { out } });
  const Module = createRequire(import.meta.url)('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (...args) {
    const file = resolve.apply(this, args);
    fs.appendFileSync(out, `${file.startsWith('/') ? file : `node:${file}`}\n`);
    return file;
  };
  fs.appendFileSync(out, `${fileURLToPath(import.meta.url)}\n`);
}
