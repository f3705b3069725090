// A Slack Web API error in words: Slack's own error code, an HTTP status, or the network failure behind it.
import { z } from 'zod';
import { networkReason } from '../../src/errorInfo.js';

/** The parts of a Slack Web API error that say what went wrong, in words. */
export function describeSlackApiError(e: unknown): { kind: 'platform' | 'network' | 'http' | 'other'; reason: string; platformError?: string } {
  const x = z
    .object({
      code: z.string().optional(),
      message: z.string().optional(),
      data: z.object({ error: z.string() }).optional(),
      statusCode: z.number().optional(),
      original: z.unknown().optional(),
    })
    .safeParse(e);
  if (!x.success) return { kind: 'other', reason: String(e).slice(0, 200) };
  const { code, data, statusCode, original, message } = x.data;
  if (code === 'slack_webapi_platform_error' && data) return { kind: 'platform', reason: `Slack answered ${data.error}`, platformError: data.error };
  if (code === 'slack_webapi_http_error' && statusCode !== undefined) return { kind: 'http', reason: `the server answered HTTP ${statusCode}` };
  if (code === 'slack_webapi_rate_limited_error') return { kind: 'http', reason: 'Slack rate-limited the call' };
  if (code === 'slack_webapi_request_error') {
    const o = z
      .object({
        name: z.string().optional(),
        message: z.string().optional(),
        cause: z.object({ code: z.string().optional(), message: z.string().optional() }).optional(),
      })
      .safeParse(original);
    if (!o.success) return { kind: 'network', reason: 'a network error with no details' };
    if (o.data.name === 'TimeoutError') return { kind: 'network', reason: 'no answer in time (timed out)' };
    if (o.data.name === 'AbortError') return { kind: 'network', reason: 'the request was cancelled' };
    return { kind: 'network', reason: networkReason(o.data.cause?.code, o.data.cause?.message ?? o.data.message) };
  }
  return { kind: 'other', reason: (message ?? 'an unknown error').slice(0, 200) };
}
