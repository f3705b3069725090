// The Slack uninstall listeners (OAuth mode): a workspace that removes the app, or revokes its bot token, loses its installation at once.
import type { App, Context } from '@slack/bolt';
import type { Logger } from '../../src/logger.js';
import type { InstallationBook } from '../../src/ports.js';
import { installKeyOf } from './installations.js';

/**
 * The workspace removed the app, or revoked its bot token: its installation goes at once, so every replica stops
 * its posts and alerts (they look the token up per send); what it set up is kept 30 days for a reinstall.
 * https://docs.slack.dev/reference/events/app_uninstalled and https://docs.slack.dev/reference/events/tokens_revoked
 */
export function registerUninstalls(app: App, installations: InstallationBook, log: Logger): void {
  const forget = async (context: Context, why: string) => {
    const key = installKeyOf(context);
    if (!key) return;
    const removed = await installations.remove('slack', key);
    log.info({ team: key, why, removed }, 'Slack workspace removed: its posts and alerts stop; its subscriptions are kept 30 days for a reinstall');
  };
  app.event('app_uninstalled', async ({ context }) => forget(context, 'app_uninstalled'));
  app.event('tokens_revoked', async ({ event, context }) => {
    // NOTE: paperboy keeps no user tokens: only a revoked bot token ends the installation.
    if ((event.tokens.bot ?? []).length > 0) await forget(context, 'tokens_revoked');
  });
}
