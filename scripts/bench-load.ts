// npm run bench:load: load on the chat front doors of a real `paperboy serve` (Slack HTTP mode, Discord gateway) over loopback.
// Prints acknowledgement and answer latency, errors and the serving process's peak RSS; writes bench-load.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { commands } from '../commands/index.js';
import { createApp, seedOnFirstStart } from '../src/app.js';
import { PROJECT_ROOT } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { seedSource } from '../src/papers/seeds.js';
import { systemClock } from '../src/ports.js';
import { BOT_ID, FakeDiscord } from '../test/fakes/discord.js';
import { syntheticCorpus, syntheticQueries } from './corpus.js';

const arg = (name: string, def: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const PAPERS = arg('papers', 10_000);
const REQUESTS = arg('requests', 200);
const CLIENTS = arg('clients', 20);
const SECRET = 'bench-signing-secret';
// --bin=PATH measures another build (e.g. an older checkout) with the same load.
const BIN = process.argv.find((a) => a.startsWith('--bin='))?.slice('--bin='.length) ?? path.join(PROJECT_ROOT, 'bin/paperboy.js');

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

/** A data dir with the seeds and `PAPERS` synthetic papers, built once before any server starts. */
async function prepareDataDir(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pb-load-'));
  const app = createApp({ config: { dataDir: dir, timeZone: 'America/New_York' }, logger: silentLogger, clock: systemClock, commands });
  await seedOnFirstStart(app, seedSource(path.join(PROJECT_ROOT, 'seeds')), silentLogger, systemClock);
  app.library.ingest(syntheticCorpus(PAPERS));
  app.close();
  return dir;
}

/** Starts `paperboy serve` and resolves once `ready` appears in its log. */
async function startServe(env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', PAPERBOY_LIVE: 'off', ...env },
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
  front: string;
  requests: number;
  ackP50: number;
  ackP99: number;
  ackOver3s: number;
  answerP50: number;
  answerP99: number;
  errors: number;
  peakRssMb: number;
}

/** Slack HTTP mode: signed `/papers search …` slash commands; the answer is the response_url POST. */
async function slackLoad(dataDir: string, queries: string[]): Promise<Result> {
  const answered = new Map<string, number>();
  const api = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/response/')) answered.set(url.slice('/response/'.length), performance.now());
      const body = url.endsWith('auth.test') ? { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0LOAD' } : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));

  const { child } = await startServe(
    { PAPERBOY_DATA_DIR: dataDir, SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_PORT: String(port), SLACK_API_URL: `${origin}/api/` },
    /slack adapter listening/,
  );
  const acks: number[] = [];
  const answers: number[] = [];
  let errors = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const jobs = queries.slice(0, REQUESTS).map((q, i) => async () => {
    const id = `r${i}`;
    const body = new URLSearchParams({
      command: '/papers',
      text: `search ${q}`,
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
    const deadline = acked + 30_000;
    while (!answered.has(id) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const at = answered.get(id);
    if (at === undefined) errors += 1;
    else answers.push(at - sent);
  });
  await concurrently(jobs, CLIENTS);
  const rss = peakRssMb(child.pid);
  await stop(child);
  agent.destroy();
  await new Promise<void>((r) => api.close(() => r()));
  return summary('slack http', acks, answers, errors, rss);
}

/** Discord: `/papers search` interactions through the fake gateway to the real discord.js client in serve. */
async function discordLoad(dataDir: string, queries: string[]): Promise<Result> {
  const guild = { id: '100000000000000001', channels: [{ id: '110000000000000001', name: 'papers' }] };
  const fake = await new FakeDiscord([guild]).listen();
  const { child } = await startServe(
    { PAPERBOY_DATA_DIR: dataDir, DISCORD_TOKEN: 'bench-token.not-a-secret', DISCORD_APP_ID: BOT_ID, DISCORD_API_URL: fake.apiUrl },
    /discord connected/,
  );
  const acks: number[] = [];
  const answers: number[] = [];
  let errors = 0;
  const jobs = queries.slice(0, REQUESTS).map((q) => async () => {
    const sent = performance.now();
    const { token } = fake.command('search', { query: q });
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000));
    const ack = await Promise.race([fake.waitFor((r) => r.path.includes(`/${token}/callback`)), timeout]);
    if (ack === 'timeout') {
      errors += 1;
      return;
    }
    acks.push(performance.now() - sent);
    const answer = await Promise.race([fake.answer(token), timeout]);
    if (answer === 'timeout') errors += 1;
    else answers.push(performance.now() - sent);
  });
  await concurrently(jobs, CLIENTS);
  const rss = peakRssMb(child.pid);
  await stop(child);
  await fake.close();
  return summary('discord gateway', acks, answers, errors, rss);
}

function summary(front: string, acks: number[], answers: number[], errors: number, rss: number): Result {
  return {
    front,
    requests: acks.length,
    ackP50: pct(acks, 50),
    ackP99: pct(acks, 99),
    ackOver3s: acks.filter((a) => a > 3000).length,
    answerP50: pct(answers, 50),
    answerP99: pct(answers, 99),
    errors,
    peakRssMb: rss,
  };
}

const dataDir = await prepareDataDir();
const queries = syntheticQueries(syntheticCorpus(Math.min(PAPERS, 2000)), REQUESTS);
console.log(
  `bench:load — ${PAPERS} synthetic papers + seeds, ${REQUESTS} requests from ${CLIENTS} concurrent clients, ${os.cpus().length} cores, Node ${process.version}`,
);
const results = [await slackLoad(dataDir, queries), await discordLoad(dataDir, queries)];
const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
console.log('| front door | requests | ack p50 / p99 (ms) | acks > 3 s | answer p50 / p99 (ms) | errors | serve peak RSS (MB) |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.front} | ${r.requests} | ${f(r.ackP50)} / ${f(r.ackP99)} | ${r.ackOver3s} | ${f(r.answerP50)} / ${f(r.answerP99)} | ${r.errors} | ${f(r.peakRssMb)} |`,
  );
}
fs.writeFileSync(path.join(PROJECT_ROOT, 'bench-load.json'), `${JSON.stringify({ papers: PAPERS, requests: REQUESTS, clients: CLIENTS, results }, null, 2)}\n`);
fs.rmSync(dataDir, { recursive: true, force: true });
