// Project shape: the core never imports a chat SDK or an adapter, and the Dockerfile copies only what exists.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('architecture', () => {
  it('src/ and commands/ import no chat SDK and no adapter (src/app.ts, the composition root, excepted)', () => {
    const offenders: string[] = [];
    for (const file of [...filesUnder(path.join(PROJECT_ROOT, 'src')), ...filesUnder(path.join(PROJECT_ROOT, 'commands'))]) {
      if (file === path.join(PROJECT_ROOT, 'src', 'app.ts')) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] ?? '';
        if (/^(discord\.js|@discordjs\/|@slack\/)/.test(spec) || /(^|\/)adapters\//.test(spec))
          offenders.push(`${path.relative(PROJECT_ROOT, file)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('chat SDKs load only when their platform is used: nothing imports them statically on the CLI path', () => {
    // The CLI, the composition root and the console may reach Slack and Discord only through `await import()`.
    const offenders: string[] = [];
    const files = [
      ...filesUnder(path.join(PROJECT_ROOT, 'adapters', 'cli')),
      ...filesUnder(path.join(PROJECT_ROOT, 'adapters', 'console')),
      path.join(PROJECT_ROOT, 'src', 'app.ts'),
    ];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import\s+(?!type\b)[^'"]*['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? '';
        if (/^(discord\.js|@discordjs\/|@slack\/)/.test(spec) || /(^|\/)(slack|discord)\/(index|sharding|commands|render)\.js$/.test(spec))
          offenders.push(`${path.relative(PROJECT_ROOT, file)} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
    // The composition root does load them, lazily.
    expect(fs.readFileSync(path.join(PROJECT_ROOT, 'src', 'app.ts'), 'utf8')).toMatch(/await import\('\.\.\/adapters\/slack\/index\.js'\)/);
  });

  it('only src/config.ts reads process.env in the core', () => {
    const readers = [...filesUnder(path.join(PROJECT_ROOT, 'src')), ...filesUnder(path.join(PROJECT_ROOT, 'commands'))]
      .filter((f) => /process\.env/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(PROJECT_ROOT, f));
    expect(readers.filter((f) => f !== path.join('src', 'config.ts'))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');

  it('every path it copies from the build context exists in the repo', () => {
    const sources: string[] = [];
    for (const line of dockerfile.split('\n')) {
      const m = /^COPY\s+(?!--from)(.+)$/.exec(line.trim());
      if (!m) continue;
      const parts = (m[1] ?? '').split(/\s+/);
      sources.push(...parts.slice(0, -1));
    }
    expect(sources.length).toBeGreaterThan(5);
    const missing = sources.filter((s) => !fs.existsSync(path.join(PROJECT_ROOT, s)));
    expect(missing).toEqual([]);
  });

  it('runs as a non-root user, keeps data on a volume and starts the bot', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/paperboy.js", "serve"\]$/m);
    expect((dockerfile.match(/^FROM /gm) ?? []).length).toBe(2);
  });
});
