// npm run bench:load: load on the chat front doors of a real `paperboy serve` over loopback: 200 signed Slack `ask` and `search`
// slash commands at once, and a Discord autocomplete burst with commands among it. Prints ack and answer latency, errors, busy
// answers, the serving process's peak RSS and the load average; writes bench-load.json.
//   --engine sqlite|postgres|both [--database-url postgres://…]: PostgreSQL on that server (a fresh database), or on a throw-away local cluster.
//   --replicas 2 (with postgres): that many `serve` processes, each with its own empty data dir, on one DATABASE_URL behind a round-robin
//   proxy that receives the Slack slash commands (the Discord burst needs one gateway process, so it runs only with one replica).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { commands } from '../commands/index.js';
import { createApp, seedOnFirstStart } from '../src/app.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { seedSource } from '../src/papers/seeds.js';
import { systemClock } from '../src/ports.js';
import { BOT_ID, FakeDiscord } from '../test/fakes/discord.js';
import { benchPostgres, parseEngineArgs, type BenchEngine, type BenchPostgres } from './benchEngine.js';
import { syntheticCorpus, syntheticQueries } from './corpus.js';
import { roundRobinProxy } from './roundRobinProxy.js';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const PAPERS = arg('papers', 10_000);
const REQUESTS = arg('requests', 200);
// NOTE: every request of a Slack run is sent at once (200 users asking in the same second), not from a few clients in turn.
const CLIENTS = arg('clients', REQUESTS);
const BURST = arg('burst', 2_000);
const BURST_COMMANDS = arg('burst-commands', 20);
// --workers=N sets PAPERBOY_WORKERS for serve (0: answers on the thread that reads requests, as before the pool); unset: serve's default.
const WORKERS = process.argv.find((a) => a.startsWith('--workers='))?.slice('--workers='.length);
// --only=ask|search|burst runs one of the three.
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const SECRET = 'bench-signing-secret';
// --bin=PATH measures another build (e.g. an older checkout) with the same load.
const BIN = process.argv.find((a) => a.startsWith('--bin='))?.slice('--bin='.length) ?? path.join(PROJECT_ROOT, 'bin/paperboy.js');
/** Slack shows the user an error when the slash command is not acknowledged within this; Discord drops an interaction's first answer after it too. */
const WINDOW_MS = 3_000;
const BUSY = /busy answering other questions/;
const configured = loadConfig(process.env);
const engineArgs = parseEngineArgs(process.argv.slice(2), configured.ok ? configured.value.databaseUrl : undefined);
if (!engineArgs.ok) {
  console.error(engineArgs.error);
  process.exit(2);
}
const { engines, databaseUrl, replicas: REPLICAS } = engineArgs.value;
/** Where one run's serve processes keep their data: a SQLite data dir, or PostgreSQL (each replica then gets an empty data dir of its own). */
interface Target {
  engine: BenchEngine;
  dataDir: string;
  url?: string;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** A data dir with the seeds and `PAPERS` synthetic papers, built once before any server starts. */
async function prepareDataDir(url?: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-load-'));
  const config = { dataDir: dir, timeZone: 'America/New_York', ...(url === undefined ? {} : { databaseUrl: url }) };
  const app = await createApp({ config, logger: silentLogger, clock: systemClock, commands });
  await seedOnFirstStart(app, seedSource(path.join(PROJECT_ROOT, 'seeds')), silentLogger, systemClock);
  await app.library.ingest(syntheticCorpus(PAPERS));
  await app.close();
  return dir;
}

/** Starts `paperboy serve` and resolves once `ready` appears in its log. */
async function startServe(env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PAPERBOY_LIVE: 'off', ...(WORKERS !== undefined ? { PAPERBOY_WORKERS: WORKERS } : {}), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const started = performance.now();
  while (!ready.test(log)) {
    if (child.exitCode !== null) throw new Error(`serve exited early:\n${log.slice(-2000)}`);
    if (performance.now() - started > 120_000) throw new Error('serve did not start within 120 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, log: () => log };
}

/** Peak resident memory of a process (VmHWM), in MB. */
function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  child.kill('SIGTERM');
  await exited;
}

/** Runs `jobs` with at most `clients` in flight. */
async function concurrently(jobs: Array<() => Promise<void>>, clients: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (job) await job();
      }
    }),
  );
}

interface Result {
  engine: BenchEngine;
  replicas: number;
  front: string;
  requests: number;
  ackP50: number;
  ackP99: number;
  ackOver3s: number;
  answerP50: number;
  answerP99: number;
  errors: number;
  busy: number;
  peakRssMb: number;
  /** Each replica's peak RSS (one entry without --replicas). */
  replicaRssMb: number[];
  /** Requests the proxy sent to each replica (empty without --replicas). */
  perReplica: number[];
  load: string;
}

/** A data dir for one serve process: SQLite's prepared one, or with PostgreSQL an empty one (the host copies the catalogue at start). */
const hostDataDir = (target: Target) => (target.url === undefined ? target.dataDir : fs.mkdtempSync(path.join(os.tmpdir(), 'pb-load-host-')));
const hostEnv = (target: Target, dir: string): Record<string, string> => ({
  PAPERBOY_DATA_DIR: dir,
  ...(target.url === undefined ? {} : { DATABASE_URL: target.url }),
});

async function freePort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Slack HTTP mode: signed `/papers <text>` slash commands, all sent at once; the answer is the response_url POST. */
async function slackLoad(target: Target, label: string, texts: string[]): Promise<Result> {
  const answered = new Map<string, { at: number; body: string }>();
  const api = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/response/')) answered.set(url.slice('/response/'.length), { at: performance.now(), body });
      const reply = url.endsWith('auth.test') ? { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0LOAD' } : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const hosts: Array<{ child: ChildProcess; dir: string }> = [];
  const ports: number[] = [];
  for (let r = 0; r < REPLICAS; r++) {
    const replicaPort = await freePort();
    const dir = hostDataDir(target);
    const { child } = await startServe(
      {
        ...hostEnv(target, dir),
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_PORT: String(replicaPort),
        SLACK_API_URL: `${origin}/api/`,
      },
      /slack adapter listening/,
    );
    hosts.push({ child, dir });
    ports.push(replicaPort);
  }
  const proxy = REPLICAS > 1 ? await roundRobinProxy(ports) : undefined;
  const port = proxy?.port ?? ports[0] ?? 0;
  const acks: number[] = [];
  const answers: number[] = [];
  let errors = 0;
  let busy = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const jobs = texts.slice(0, REQUESTS).map((text, i) => async () => {
    const id = `r${i}`;
    const body = new URLSearchParams({
      command: '/papers',
      text,
      user_id: 'U0LOAD',
      channel_id: 'C0LOAD',
      team_id: 'T0LOAD',
      response_url: `${origin}/response/${id}`,
      trigger_id: `t${i}`,
    }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const sent = performance.now();
    const status = await new Promise<number>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/slack/events',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
    const acked = performance.now();
    acks.push(acked - sent);
    if (status !== 200) {
      errors += 1;
      return;
    }
    const deadline = acked + 60_000;
    while (!answered.has(id) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const got = answered.get(id);
    if (got === undefined) errors += 1;
    else {
      answers.push(got.at - sent);
      if (BUSY.test(got.body)) busy += 1;
    }
  });
  await concurrently(jobs, CLIENTS);
  const rss = hosts.map((h) => peakRssMb(h.child.pid));
  const during = load();
  await proxy?.close();
  for (const h of hosts) {
    await stop(h.child);
    if (h.dir !== target.dataDir) fs.rmSync(h.dir, { recursive: true, force: true });
  }
  agent.destroy();
  await new Promise<void>((r) => api.close(() => r()));
  return {
    ...summary(label, acks, answers, errors, Math.max(...rss)),
    engine: target.engine,
    replicas: REPLICAS,
    replicaRssMb: rss,
    perReplica: proxy?.counts ?? [],
    busy,
    load: during,
  };
}

interface BurstResult {
  events: number;
  commands: number;
  /** Commands whose first answer (a reply or a deferral) reached Discord within 3 s. */
  commandsInWindow: number;
  commandAckP99: number;
  commandAnswerP99: number;
  completionsAnswered: number;
  completionsInWindow: number;
  completionsWithChoices: number;
  peakRssMb: number;
  load: string;
}

/**
 * Discord: a burst of `BURST` autocomplete events (users typing titles into `/papers paper id:`)
 * through the fake gateway, with `BURST_COMMANDS` `/papers search` commands spread evenly among them.
 */
async function discordBurst(target: Target, queries: string[], titles: string[]): Promise<BurstResult> {
  const guild = { id: '100000000000000001', channels: [{ id: '110000000000000001', name: 'papers' }] };
  const fake = await new FakeDiscord([guild]).listen();
  const dir = hostDataDir(target);
  const { child } = await startServe(
    { ...hostEnv(target, dir), DISCORD_TOKEN: 'bench-token.not-a-secret', DISCORD_APP_ID: BOT_ID, DISCORD_API_URL: fake.apiUrl },
    /discord connected/,
  );
  const every = Math.max(1, Math.floor(BURST / BURST_COMMANDS));
  const completions: Array<{ token: string; sent: number }> = [];
  const commandsSent: Array<{ token: string; sent: number }> = [];
  for (let i = 0; i < BURST; i++) {
    const title = titles[i % titles.length] ?? 'memory';
    // Each user's keystrokes: a growing prefix of a title.
    const partial = title.slice(0, 2 + (i % 12));
    completions.push({ token: fake.autocomplete('paper', 'id', partial).token, sent: performance.now() });
    if (i % every === every - 1 && commandsSent.length < BURST_COMMANDS) {
      commandsSent.push({ token: fake.command('search', { query: queries[commandsSent.length % queries.length] ?? 'memory' }).token, sent: performance.now() });
    }
  }
  const callback = (token: string) => fake.requests.find((r) => r.path.includes(`/${token}/callback`));
  const timeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000))]);
  const commandAcks: number[] = [];
  const commandAnswers: number[] = [];
  for (const c of commandsSent) {
    const first = await timeout(fake.waitFor((r) => r.path.includes(`/${c.token}/callback`)));
    if (first !== 'timeout') commandAcks.push(first.at - c.sent);
    const answer = await timeout(fake.answer(c.token));
    if (answer !== 'timeout') {
      const r = [...fake.requests].reverse().find((q) => q.path.includes(`/${c.token}`));
      if (r) commandAnswers.push(r.at - c.sent);
    }
  }
  // Every completion is answered within staleMs (2 s) by design; give stragglers time to land before counting.
  const settleBy = performance.now() + 30_000;
  while (completions.some((c) => !callback(c.token)) && performance.now() < settleBy) await new Promise((r) => setTimeout(r, 50));
  let answered = 0;
  let inWindow = 0;
  let withChoices = 0;
  for (const c of completions) {
    const r = callback(c.token);
    if (!r) continue;
    answered += 1;
    if (r.at - c.sent <= WINDOW_MS) inWindow += 1;
    const choices = (r.body as { data?: { choices?: unknown[] } }).data?.choices ?? [];
    if (choices.length > 0) withChoices += 1;
  }
  const rss = peakRssMb(child.pid);
  const during = load();
  await stop(child);
  await fake.close();
  if (dir !== target.dataDir) fs.rmSync(dir, { recursive: true, force: true });
  return {
    events: BURST,
    commands: commandsSent.length,
    commandsInWindow: commandAcks.filter((a) => a <= WINDOW_MS).length,
    commandAckP99: pct(commandAcks, 99),
    commandAnswerP99: pct(commandAnswers, 99),
    completionsAnswered: answered,
    completionsInWindow: inWindow,
    completionsWithChoices: withChoices,
    peakRssMb: rss,
    load: during,
  };
}

function summary(
  front: string,
  acks: number[],
  answers: number[],
  errors: number,
  rss: number,
): Omit<Result, 'busy' | 'load' | 'engine' | 'replicas' | 'replicaRssMb' | 'perReplica'> {
  return {
    front,
    requests: acks.length,
    ackP50: pct(acks, 50),
    ackP99: pct(acks, 99),
    ackOver3s: acks.filter((a) => a > WINDOW_MS).length,
    answerP50: pct(answers, 50),
    answerP99: pct(answers, 99),
    errors,
    peakRssMb: rss,
  };
}

const corpus = syntheticCorpus(Math.min(PAPERS, 2000));
const queries = syntheticQueries(corpus, REQUESTS);
const titles = corpus.map((p) => p.title);
console.log(
  `bench:load — ${PAPERS} synthetic papers + seeds, ${REQUESTS} requests per Slack run (${CLIENTS} at once), ${REPLICAS === 1 ? `a ${BURST}-event Discord autocomplete burst with ${BURST_COMMANDS} commands` : 'no Discord burst (one gateway process only)'}; ` +
    `PAPERBOY_WORKERS ${WORKERS ?? 'default'}, ${os.cpus().length} cores, Node ${process.version}, load average before ${load()}`,
);
const results: Result[] = [];
const bursts: Array<{ engine: BenchEngine; burst: BurstResult }> = [];
const onlySqlite = engines.length === 1 && engines[0] === 'sqlite';
let server: BenchPostgres | undefined;
try {
  for (const engine of engines) {
    let url: string | undefined;
    if (engine === 'postgres') {
      server ??= await benchPostgres(databaseUrl);
      console.log(`PostgreSQL: ${server.where}; ${REPLICAS} serve replica${REPLICAS === 1 ? '' : 's'}${REPLICAS > 1 ? ' behind a round-robin proxy' : ''}`);
      url = await server.database();
    }
    const target: Target = { engine, dataDir: await prepareDataDir(url), ...(url === undefined ? {} : { url }) };
    try {
      if (!ONLY || ONLY === 'ask')
        results.push(
          await slackLoad(
            target,
            'slack ask',
            queries.map((q) => `ask how do ${q} work?`),
          ),
        );
      if (!ONLY || ONLY === 'search')
        results.push(
          await slackLoad(
            target,
            'slack search',
            queries.map((q) => `search ${q}`),
          ),
        );
      // NOTE: Discord has one gateway connection per bot, so the burst runs on one serve process only.
      if ((!ONLY || ONLY === 'burst') && REPLICAS === 1) bursts.push({ engine, burst: await discordBurst(target, queries, titles) });
    } finally {
      fs.rmSync(target.dataDir, { recursive: true, force: true });
    }
  }
} finally {
  await server?.close();
}
const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
if (onlySqlite) {
  console.log(
    '| front door | requests | ack p50 / p99 (ms) | acks > 3 s | answer p50 / p99 (ms) | errors | busy answers | serve peak RSS (MB) | load average |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.front} | ${r.requests} | ${f(r.ackP50)} / ${f(r.ackP99)} | ${r.ackOver3s} | ${f(r.answerP50)} / ${f(r.answerP99)} | ${r.errors} | ${r.busy} | ${f(r.peakRssMb)} | ${r.load} |`,
    );
  }
} else {
  console.log(
    '| engine | replicas | front door | requests (per replica) | ack p50 / p99 (ms) | acks > 3 s | answer p50 / p99 (ms) | errors | busy answers | peak RSS per replica (MB) | load average |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const split = r.perReplica.length > 0 ? ` (${r.perReplica.join(' / ')})` : '';
    console.log(
      `| ${r.engine} | ${r.replicas} | ${r.front} | ${r.requests}${split} | ${f(r.ackP50)} / ${f(r.ackP99)} | ${r.ackOver3s} | ${f(r.answerP50)} / ${f(r.answerP99)} | ${r.errors} | ${r.busy} | ${r.replicaRssMb.map(f).join(' / ')} | ${r.load} |`,
    );
  }
}
for (const { engine, burst } of bursts)
  console.log(
    `${onlySqlite ? '' : `${engine}: `}discord burst: ${burst.commandsInWindow} of ${burst.commands} interleaved commands answered (reply or deferral) within 3 s ` +
      `(first answer p99 ${f(burst.commandAckP99)} ms, full answer p99 ${f(burst.commandAnswerP99)} ms); ` +
      `${burst.completionsAnswered} of ${burst.events} completions answered, ${burst.completionsInWindow} within 3 s, ${burst.completionsWithChoices} with choices; ` +
      `serve peak RSS ${f(burst.peakRssMb)} MB; load average ${burst.load}`,
  );
const burst = onlySqlite ? (bursts[0]?.burst ?? null) : bursts;
fs.writeFileSync(
  path.join(PROJECT_ROOT, 'bench-load.json'),
  `${JSON.stringify({ papers: PAPERS, requests: REQUESTS, clients: CLIENTS, workers: WORKERS ?? 'default', engines, replicas: REPLICAS, results, burst }, null, 2)}\n`,
);
