// Workspaces in OAuth mode: channel and user ids qualified with their workspace (`T123:C456`), and each workspace's bot token for sends.
import { DeliveryError } from '../../src/errors.js';
import type { InstallationBook } from '../../src/ports.js';

/**
 * An id as the core keeps it in OAuth mode: `<workspace>:<id>` (the team id, or the enterprise id of an
 * org-wide install), so subscriptions, follows, ledgers and conversations of one channel id in two
 * workspaces never mix. Single-workspace mode keeps plain ids (`key` undefined), as it always did.
 */
export function qualify(key: string | undefined, id: string): string;
export function qualify(key: string | undefined, id: string | undefined): string | undefined;
export function qualify(key: string | undefined, id: string | undefined): string | undefined {
  return key === undefined || id === undefined ? id : `${key}:${id}`;
}

/** A qualified id taken apart; null for a plain one. */
export function splitQualified(id: string): { key: string; id: string } | null {
  const m = /^([TE][A-Z0-9]+):([A-Z0-9]+)$/.exec(id);
  return m?.[1] && m[2] ? { key: m[1], id: m[2] } : null;
}

/** Where a send goes and with which token. */
export interface Resolved {
  token: string;
  /** The platform's own id (channel or user), without the workspace. */
  id: string;
}

/**
 * The token and platform id for a send to `target` (a channel or user id as the core keeps it). With
 * one workspace (`singleToken`), the id as it is. In OAuth mode the id names its workspace, whose
 * installation gives the token: none (never installed, uninstalled, tokens revoked) is a `no-access`
 * DeliveryError, so the post or alert is recorded as not sent instead of reaching another workspace.
 */
export async function resolveTarget(target: string, singleToken: string | undefined, book: InstallationBook | undefined): Promise<Resolved> {
  if (singleToken !== undefined) return { token: singleToken, id: target };
  const at = splitQualified(target);
  if (!at) throw new DeliveryError('not-found', `Slack target ${target.slice(0, 40)} names no workspace (OAuth mode keeps ids as TEAM:ID)`);
  if (!book) throw new DeliveryError('transient', 'Slack OAuth mode has no installation store');
  const found = await book.get('slack', at.key);
  if (found.kind === 'none')
    throw new DeliveryError('no-access', `paperboy is not installed in Slack workspace ${at.key} (uninstalled, or its tokens revoked)`);
  if (found.kind === 'unreadable')
    throw new DeliveryError('transient', `the installation of Slack workspace ${at.key} cannot be read (${found.reason}); check PAPERBOY_SECRET_KEY`);
  return { token: found.installation.botToken, id: at.id };
}
