// The Slack app manifest asks for no scope paperboy does not use, and README describes the same manifest and variables.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config.js';

/**
 * Every bot scope and what needs it (https://docs.slack.dev/reference/scopes). `im:read` is not here:
 * it is for conversations.info/list/members and users.conversations, which paperboy never calls.
 */
const USED: Record<string, string> = {
  commands: 'the /papers slash command',
  'chat:write': 'chat.postMessage and chat.update',
  'chat:write.public': 'scheduled posts in public channels the bot was not invited to',
  'app_mentions:read': 'the app_mention event',
  'channels:history': 'conversations.history in public channels (the post ledger)',
  'groups:history': 'conversations.history in private channels (the post ledger)',
  'im:history': 'the message.im event, and conversations.history in DMs (the alert ledger)',
  'im:write': 'conversations.open, to send follow alerts by DM',
  'users:read': 'users.info, for SLACK_MANAGERS',
  'links:read': 'the link_shared event (link cards)',
  'links:write': 'chat.unfurl (link cards)',
};

function manifestScopes(): string[] {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, 'adapters/slack/manifest.yaml'), 'utf8');
  const block = /\n {4}bot:\n((?: {6}(?:- \S+|#.*)\n)+)/.exec(text)?.[1] ?? '';
  return [...block.matchAll(/^ {6}- (\S+)$/gm)].map((m) => m[1] ?? '');
}

describe('Slack manifest', () => {
  it('asks for exactly the bot scopes paperboy uses (no im:read)', () => {
    expect(manifestScopes().sort()).toEqual(Object.keys(USED).sort());
  });

  it('subscribes to link_shared and names every paper link domain the cards read', () => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, 'adapters/slack/manifest.yaml'), 'utf8');
    const events = /\n {4}bot_events:\n((?: {6}- \S+\n)+)/.exec(text)?.[1] ?? '';
    expect([...events.matchAll(/- (\S+)/g)].map((m) => m[1])).toContain('link_shared');
    const domains = /\n {2}unfurl_domains:\n((?: {4}- \S+\n)+)/.exec(text)?.[1] ?? '';
    expect([...domains.matchAll(/- (\S+)/g)].map((m) => m[1]).sort()).toEqual(['alphaxiv.org', 'arxiv.org', 'hf.co', 'huggingface.co']);
  });

  it("README's scope list is the manifest's", () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const listed = /the bot scopes \(([^)]*)\)/.exec(readme)?.[1] ?? '';
    expect([...listed.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort()).toEqual(manifestScopes().sort());
  });

  it('has the OAuth redirect URL and the events that end an installation', () => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, 'adapters/slack/manifest.yaml'), 'utf8');
    expect(text).toMatch(/redirect_urls:\n\s+- https:\/\/\S+\/slack\/oauth_redirect\n/);
    const events = /bot_events:\n((?:\s+(?:- \S+|#.*)\n)+)/.exec(text)?.[1] ?? '';
    expect([...events.matchAll(/- (\S+)/g)].map((m) => m[1])).toEqual(['app_mention', 'message.im', 'link_shared', 'app_uninstalled', 'tokens_revoked']);
  });

  it("README's account of the manifest names every event it subscribes to and its OAuth redirect URL", () => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, 'adapters/slack/manifest.yaml'), 'utf8');
    const events = /bot_events:\n((?:\s+(?:- \S+|#.*)\n)+)/.exec(text)?.[1] ?? '';
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
    const declared = /It also declares the (.*?) events/.exec(readme)?.[1] ?? '';
    expect([...declared.matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort()).toEqual([...events.matchAll(/- (\S+)/g)].map((m) => m[1]).sort());
    const step = /### 1\. Create the app from the manifest(.*?)### 2\./.exec(readme)?.[1] ?? '';
    expect(step).toContain('/slack/oauth_redirect');
  });

  it("README's variable tables say what each Slack variable does in OAuth mode: no SLACK_BOT_TOKEN, and SLACK_PORT serves the install pages", () => {
    const lines = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8').split('\n');
    const rows = (name: string) => lines.filter((l) => l.startsWith(`| \`${name}\` |`));
    expect(rows('SLACK_BOT_TOKEN')).toHaveLength(2);
    for (const row of rows('SLACK_BOT_TOKEN')) expect(row).toMatch(/unset in OAuth mode/i);
    expect(rows('SLACK_PORT')).toHaveLength(2);
    for (const row of rows('SLACK_PORT')) expect(row).toMatch(/\/slack\/install.*\/slack\/oauth_redirect/);
  });
});
