// Slack OAuth v2 distribution on Bolt's InstallProvider: GET /slack/install and /slack/oauth_redirect, and authorize() per workspace.
import type http from 'node:http';
import { ErrorCode, InstallProvider, type CallbackOptions, type CodedError, type InstallURLOptions } from '@slack/oauth';
import type { Logger as BoltLogger, webApi } from '@slack/bolt';
import type { SlackOAuthConfig } from '../../src/config.js';
import { describeError } from '../../src/errorInfo.js';
import type { Logger } from '../../src/logger.js';
import type { InstallationBook, OAuthStates } from '../../src/ports.js';
import { BookInstallationStore } from './installations.js';
import { DatabaseStateStore, STATE_TTL_MS } from './stateStore.js';

export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** The bot scopes an install asks for: the manifest's (adapters/slack/manifest.yaml), which test/adapters/slack/oauth.test.ts keeps equal. */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'app_mentions:read',
  'channels:history',
  'groups:history',
  'im:history',
  'im:write',
  'users:read',
  'links:read',
  'links:write',
] as const;

export interface SlackInstallerOptions {
  oauth: SlackOAuthConfig;
  /** SLACK_API_URL: oauth.v2.access and auth.test go there; the authorize page is beside it (`…/oauth/v2/authorize`). */
  apiUrl: string;
  installations: InstallationBook;
  states: OAuthStates;
  logger: Logger;
  boltLogger: BoltLogger;
  /** The Web API client options of the adapter (deadline, no retries): the code exchange is bounded like every other call. */
  clientOptions: webApi.WebClientOptions;
  now?: () => Date;
}

/** What serving installs needs: Bolt's provider (its `authorize` is the App's) and the two GET pages. */
export interface SlackInstaller {
  readonly provider: InstallProvider;
  /** Answers GET /slack/install and /slack/oauth_redirect; false for any other path. */
  pages(path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean>;
}

/** Slack's authorize page for an API URL: https://slack.com/api/ → https://slack.com/oauth/v2/authorize. */
export function authorizeUrlFor(apiUrl: string): string {
  return new URL('../oauth/v2/authorize', apiUrl).toString();
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: http.ServerResponse, status: number, title: string, lines: readonly string[]): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join('')}</body></html>`;
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
}

/** States that say the link was not ours, was used already or ran out: the installer starts again. */
const STATE_ERRORS = new Set<string>([ErrorCode.InvalidStateError, ErrorCode.MissingStateError]);

/**
 * Builds the installer: Bolt's InstallProvider with paperboy's installation store (tokens sealed in the
 * database) and single-use state store, answering the install link with a redirect to Slack's
 * authorize page (with a signed state and its browser cookie), and the redirect with a page saying
 * what happened. https://docs.slack.dev/tools/bolt-js/concepts/authenticating-oauth
 */
export function createSlackInstaller(opts: SlackInstallerOptions): SlackInstaller {
  const log = opts.logger.child({ component: 'slack-oauth' });
  const now = opts.now ?? (() => new Date());
  const installUrlOptions: InstallURLOptions = { scopes: [...BOT_SCOPES] };
  const provider = new InstallProvider({
    clientId: opts.oauth.clientId,
    clientSecret: opts.oauth.clientSecret,
    stateStore: new DatabaseStateStore(opts.states, opts.oauth.stateSecret),
    stateCookieExpirationSeconds: STATE_TTL_MS / 1000,
    installationStore: new BookInstallationStore(opts.installations, log, now),
    installUrlOptions,
    directInstall: true,
    authorizationUrl: authorizeUrlFor(opts.apiUrl),
    logger: opts.boltLogger,
    clientOptions: opts.clientOptions,
  });
  const callbackOptions: CallbackOptions = {
    success: (installation, _options, _req, res) => {
      const where = installation.team?.name ?? installation.enterprise?.name ?? installation.team?.id ?? installation.enterprise?.id ?? 'your workspace';
      page(res, 200, 'paperboy is installed', [
        `paperboy is now in ${where}.`,
        'Type /papers help in any channel, or mention @paperboy with a question about ML papers.',
      ]);
    },
    failure: (error: CodedError, _options, _req, res) => {
      if (STATE_ERRORS.has(error.code)) {
        log.warn({ code: error.code, reason: error.message }, 'refused a Slack install redirect: its state is forged, used already or expired');
        page(res, 400, 'This install link cannot be used', [
          'It is not one this app gave out, it was used already, or it expired (links last 10 minutes).',
          `Start again at ${INSTALL_PATH}.`,
        ]);
        return;
      }
      if (error.code === ErrorCode.AuthorizationError) {
        page(res, 400, 'Installation cancelled', [`Nothing was installed. To install paperboy, start again at ${INSTALL_PATH}.`]);
        return;
      }
      log.error({ code: error.code, err: describeError(error, [opts.oauth.clientSecret]) }, 'a Slack installation failed');
      page(res, error.code === ErrorCode.MissingCodeError ? 400 : 502, 'Installation failed', [
        'Slack did not complete the installation. Please try again in a moment.',
        `Start again at ${INSTALL_PATH}.`,
      ]);
    },
  };
  return {
    provider,
    async pages(path, req, res) {
      if (path === INSTALL_PATH) {
        try {
          await provider.handleInstallPath(req, res, undefined, installUrlOptions);
        } catch (e) {
          log.error({ err: describeError(e, [opts.oauth.clientSecret]) }, 'could not start a Slack installation');
          page(res, 503, 'Installation unavailable', ['paperboy could not start the installation just now. Please try again in a moment.']);
        }
        return true;
      }
      if (path === REDIRECT_PATH) {
        await provider.handleCallback(req, res, callbackOptions, installUrlOptions);
        return true;
      }
      return false;
    },
  };
}
