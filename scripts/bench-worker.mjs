// One benchmark measurement in a process of its own (so memory and cold start are its own), on the compiled build.
// Spawned by scripts/bench.ts; prints one JSON line. Plain JavaScript on dist/ so nothing is transpiled while measuring.
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [mode, ...args] = process.argv.slice(2);
const now = () => performance.now();
const rssMb = () => process.memoryUsage().rss / 1024 / 1024;
const heapMb = () => process.memoryUsage().heapUsed / 1024 / 1024;
const peakRssMb = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};
const readJsonLines = (file) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
const gc = () => globalThis.gc?.();
/** A corpus file's papers in batches of `size`, read as they are asked for (a file of any size in little memory). */
function* jsonLineBatches(file, size) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  const text = new StringDecoder('utf8');
  let rest = '';
  let batch = [];
  try {
    for (;;) {
      const read = fs.readSync(fd, buf, 0, buf.length, null);
      const lines = (rest + (read === 0 ? text.end() : text.write(buf.subarray(0, read)))).split('\n');
      rest = read === 0 ? '' : (lines.pop() ?? '');
      for (const l of lines) {
        if (l === '') continue;
        batch.push(JSON.parse(l));
        if (batch.length === size) {
          yield batch;
          batch = [];
        }
      }
      if (read === 0) break;
    }
    if (batch.length > 0) yield batch;
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `n` papers of a corpus file, without reading the rest (a serving process holds no corpus). */
const headJsonLines = (file, n) => {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  const read = fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  return buf
    .subarray(0, read)
    .toString('utf8')
    .split('\n')
    .slice(0, n)
    .map((l) => JSON.parse(l));
};

async function paperboyApp(dataDir) {
  const { createApp } = await import(path.join(ROOT, 'dist/src/app.js'));
  const { commands } = await import(path.join(ROOT, 'dist/commands/index.js'));
  const { silentLogger } = await import(path.join(ROOT, 'dist/src/logger.js'));
  // NOTE: BENCH_DATABASE_URL (set by bench.ts for --engine postgres only): the catalogue in PostgreSQL, this data dir holding the host's copy.
  const url = process.env.BENCH_DATABASE_URL;
  const config = { dataDir, timeZone: 'America/New_York', ...(url ? { databaseUrl: url } : {}) };
  return createApp({ config, logger: silentLogger, clock: { now: () => new Date() }, commands });
}

/** Every query through the library as a command would run it (a page of 10 with snippets); times in ms. */
function timeQueries(search, queries) {
  const times = [];
  for (const q of queries) {
    const t = now();
    try {
      search(q);
    } catch (e) {
      if (e?.name !== 'UserError') throw e;
    }
    times.push(now() - t);
  }
  return times;
}

const modes = {
  /** Stores and indexes the corpus in a new data dir, in ingest-sized batches, as `paperboy ingest` does. */
  async 'paperboy-build'([corpusFile, dataDir]) {
    // NOTE: the corpus is read a batch at a time, as an ingest gets its papers, so peak RSS is the build's
    // own and not the harness's (the whole 100,000-paper file held as text, lines and objects at once).
    const batches = jsonLineBatches(corpusFile, 500);
    const t = now();
    const app = await paperboyApp(dataDir);
    await app.store.setMeta('seeds.ingested', new Date().toISOString());
    // The time spent reading the file is the harness's: it is not counted in the build.
    let readMs = 0;
    for (;;) {
      const r = now();
      const next = batches.next();
      readMs += now() - r;
      if (next.done) break;
      await app.library.ingest(next.value);
    }
    app.library.warm();
    const buildMs = now() - t - readMs;
    gc();
    const out = { buildMs, heapMb: heapMb(), rssMb: rssMb(), peakRssMb: peakRssMb() };
    await app.close();
    const disk = fs.readdirSync(dataDir).reduce((n, f) => n + fs.statSync(path.join(dataDir, f)).size, 0);
    return { ...out, diskMb: disk / 1024 / 1024 };
  },

  /** Opens an existing data dir (the index already on disk) and answers the queries. */
  async 'paperboy-query'([dataDir, queriesFile, corpusFile]) {
    const queries = JSON.parse(fs.readFileSync(queriesFile, 'utf8'));
    const app = await paperboyApp(dataDir);
    // As `serve` does before it connects: pending papers indexed, vocabulary loaded.
    const warmT = now();
    app.library.warm();
    const warmMs = now() - warmT;
    const search = (q) => app.library.search(q, 0, 10).hits.map((h) => h.snippet);
    const times = timeQueries(search, queries);
    // Autocompletion and the other per-keystroke or per-command paths.
    const papers = headJsonLines(corpusFile, 50);
    const prefixes = papers.slice(0, 50).map((p) => p.title.slice(0, 3 + (p.title.length % 6)).toLowerCase());
    const complete = timeQueries((p) => app.library.completeTitles(p, 25), prefixes);
    const topicsT = now();
    app.library.topics();
    const topicList = now() - topicsT;
    const paperLookup = timeQueries(
      (title) => app.library.findPapers(title),
      papers.slice(0, 20).map((p) => p.title),
    );
    const excludeOnly = timeQueries(
      (q) => app.library.search(q, 0, 10).hits.map((h) => h.snippet),
      ['-memory since:2024', '-model org:Google', '-agent until:2025-06'],
    );
    const out = { warmMs, times, complete, topicList, paperLookup, excludeOnly, peakRssMb: peakRssMb() };
    await app.close();
    return out;
  },

  /**
   * A running serve's view while another process ingests a day's papers: this process searches
   * every 10 ms; reports how long after the ingest finished the new papers were found, and the
   * worst event-loop delay here meanwhile.
   */
  async 'paperboy-fresh'([dataDir, dayFile, ingestScript]) {
    const { spawn } = await import('node:child_process');
    const app = await paperboyApp(dataDir);
    const day = readJsonLines(dayFile);
    // NOTE: the first new paper's own title words: known words, so the searches that poll for it
    // run the plain path and the delay measured is the ingest's, not a typo fallback's. At 100,000
    // papers they match nearly every paper, so the new ones count as found when the search's total
    // grows by them (they are among its matches), not when they reach its first page.
    const marker = day[0].title.split(/\s+/).slice(1, 5).join(' ');
    // As `serve` does before it connects (index caught up, vocabulary loaded, the search paths compiled).
    app.library.warm();
    const before = app.library.search(marker, 0, 10).total;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const child = spawn(process.execPath, [ingestScript, 'paperboy-ingest', dataDir, dayFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let ingested = null;
    child.stdout.on('data', () => (ingested ??= now()));
    let foundAt = null;
    while (foundAt === null) {
      await new Promise((r) => setTimeout(r, 10));
      const total = app.library.search(marker, 0, 10).total;
      if (ingested !== null && total > before) foundAt = now();
      if (ingested !== null && now() - ingested > 10_000) break;
    }
    // Every new paper by its own word, so "found" is about the papers of the day, not some other change.
    const all = app.library.search('Zqxfresh', 0, 60).total;
    if (foundAt !== null && all !== day.length) foundAt = null;
    delay.disable();
    await app.close();
    return { searchableAfterMs: foundAt === null ? null : foundAt - ingested, worstLoopDelayMs: delay.max / 1e6 };
  },

  /** Ingests a file of papers into an existing data dir (the other process of 'paperboy-fresh'). */
  async 'paperboy-ingest'([dataDir, dayFile]) {
    const app = await paperboyApp(dataDir);
    await app.library.ingest(readJsonLines(dayFile));
    await app.close();
    process.stdout.write('done\n');
    return null;
  },

  /** minisearch over the same papers, with comparable settings: title boost, no prefix or fuzzy, lunr's stop words. */
  async 'minisearch-build'([corpusFile, indexFile, queriesFile]) {
    const { default: MiniSearch } = await import('minisearch');
    const papers = readJsonLines(corpusFile);
    const options = minisearchOptions();
    const t = now();
    const ms = new MiniSearch(options);
    ms.addAll(papers.map((p) => ({ id: p.id, title: p.title, abstract: p.abstract })));
    const buildMs = now() - t;
    gc();
    const built = { buildMs, heapMb: heapMb(), rssMb: rssMb() };
    const queries = JSON.parse(fs.readFileSync(queriesFile, 'utf8'));
    const times = timeQueries((q) => ms.search(q, { boost: { title: 3 }, prefix: false, fuzzy: false }).slice(0, 10), queries);
    const json = JSON.stringify(ms);
    fs.writeFileSync(indexFile, json);
    return { ...built, times, diskMb: json.length / 1024 / 1024, peakRssMb: peakRssMb() };
  },

  /** Cold start of minisearch: load the serialised index and answer one query. */
  async 'minisearch-cold'([indexFile, query]) {
    const t = now();
    const { default: MiniSearch } = await import('minisearch');
    const ms = MiniSearch.loadJSON(fs.readFileSync(indexFile, 'utf8'), minisearchOptions());
    ms.search(query, { boost: { title: 3 } });
    return { coldMs: now() - t, peakRssMb: peakRssMb() };
  },
};

/** lunr's stop words (lunr.stopWordFilter's list), so both engines drop the same words. */
function minisearchOptions() {
  const src = fs.readFileSync(path.join(ROOT, 'node_modules/lunr/lunr.js'), 'utf8');
  const list = /generateStopWordFilter\(\[([\s\S]*?)\]\)/.exec(src)?.[1] ?? '';
  const stop = new Set([...list.matchAll(/'([^']+)'/g)].map((m) => m[1]));
  return { fields: ['title', 'abstract'], processTerm: (term) => (stop.has(term.toLowerCase()) ? null : term.toLowerCase()) };
}

const run = modes[mode];
if (!run) {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
const result = await run(args);
if (result !== null) process.stdout.write(`${JSON.stringify(result)}\n`);
