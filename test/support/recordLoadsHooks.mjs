// Module hooks for recordLoads.mjs: appends the path of each ES module loaded to the file it was given.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

let out = '';

export function initialize(data) {
  out = data.out;
}

export async function load(url, context, next) {
  fs.appendFileSync(out, `${url.startsWith('file:') ? fileURLToPath(url) : url}\n`);
  return next(url, context);
}
