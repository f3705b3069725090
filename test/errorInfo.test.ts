// The one error scrubber: what an error may say in a log, for every adapter.
import { describe, expect, it } from 'vitest';
import { describeError, redactSecrets } from '../src/errorInfo.js';

const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const DISCORD_TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB';

/** An error shaped like the ones discord.js REST and the Slack Web API throw: it carries its request. */
function httpError(message: string, extra: Record<string, unknown>): Error {
  return Object.assign(new Error(message), extra);
}

describe('describeError', () => {
  it('redacts a Slack bot token, an app token and a Discord token in the message', () => {
    const info = describeError(new Error(`auth failed for ${BOT_TOKEN}, app xapp-1-A0-123-abcdef and ${DISCORD_TOKEN}`));
    expect(info.message).not.toContain(BOT_TOKEN);
    expect(info.message).not.toContain('xapp-1');
    expect(info.message).not.toContain(DISCORD_TOKEN);
    expect(info.message).toContain('[redacted]');
    expect(info.message).toMatch(/^auth failed for /);
  });

  it('redacts a given secret that has no token shape', () => {
    const secret = 'signing-secret-8f3a2b';
    const info = describeError(new Error(`bad signature with ${secret}`), [secret, undefined]);
    expect(info.message).toBe('bad signature with [redacted]');
  });

  it('replaces an interaction or webhook token in a URL path and drops host and query', () => {
    const a = describeError(
      httpError('Unknown interaction', {
        url: 'https://discord.com/api/v10/interactions/123456/aW50ZXJhY3Rpb246dG9rZW4/callback?with_response=true',
        method: 'POST',
        status: 404,
      }),
    );
    expect(a.path).toBe('/api/v10/interactions/123456/:token/callback');
    const w = describeError(httpError('x', { url: 'http://127.0.0.1:5555/api/v10/webhooks/42/secret-token-value/messages/@original' }));
    expect(w.path).toBe('/api/v10/webhooks/42/:token/messages/@original');
  });

  it("keeps name, status, statusCode, code, method and Slack's error name", () => {
    const discord = describeError(
      httpError('Internal Server Error', {
        name: 'DiscordAPIError[0]',
        status: 500,
        method: 'POST',
        code: 0,
        url: 'https://discord.com/api/v10/channels/1/messages',
      }),
    );
    expect(discord).toMatchObject({ name: 'DiscordAPIError[0]', status: 500, method: 'POST', code: 0, path: '/api/v10/channels/1/messages' });
    const slack = describeError(
      httpError('An API error occurred: invalid_auth', { code: 'slack_webapi_platform_error', statusCode: 200, data: { ok: false, error: 'invalid_auth' } }),
    );
    expect(slack).toMatchObject({ name: 'Error', code: 'slack_webapi_platform_error', statusCode: 200, slackError: 'invalid_auth' });
  });

  it('drops the stack, headers, request and body, and returns a plain object', () => {
    const e = httpError(`failed`, {
      statusCode: 401,
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
      request: { headers: { Authorization: `Bot ${DISCORD_TOKEN}` }, body: 'text=hi' },
      requestBody: { json: { content: 'user text' } },
      body: { token: BOT_TOKEN },
    });
    const info = describeError(e);
    expect(Object.getPrototypeOf(info)).toBe(Object.prototype);
    expect(Object.keys(info).sort()).toEqual(['message', 'name', 'statusCode']);
    const logged = JSON.stringify(info);
    expect(logged).not.toContain(BOT_TOKEN);
    expect(logged).not.toContain(DISCORD_TOKEN);
    expect(logged).not.toContain('user text');
    expect(logged).not.toMatch(/at .*\.ts:\d+/);
  });

  it('caps the message at 500 characters, after redacting, so a long token is not cut in half and kept', () => {
    const info = describeError(new Error(`${'x'.repeat(490)} ${BOT_TOKEN}`));
    expect(info.message.length).toBeLessThanOrEqual(500);
    expect(info.message).not.toContain('xoxb-');
    expect(describeError(new Error('y'.repeat(5000))).message).toHaveLength(500);
  });

  it('describes a thrown non-Error too, redacted', () => {
    expect(describeError(`boom ${BOT_TOKEN}`)).toEqual({ message: 'boom [redacted]' });
    expect(describeError(undefined)).toEqual({ message: 'undefined' });
  });
});

describe('redactSecrets', () => {
  it('ignores secrets too short to mean anything, so ordinary words stay readable', () => {
    expect(redactSecrets('a bot said abc', ['abc'])).toBe('a bot said abc');
  });
});
