// Bolt's InstallationStore over paperboy's InstallationBook: what OAuth stores and what authorize() reads for each event, keyed by workspace.
import type { Installation as BoltInstallation, InstallationQuery, InstallationStore } from '@slack/oauth';
import type { Logger } from '../../src/logger.js';
import type { Installation, InstallationBook } from '../../src/ports.js';

/** The key a workspace's installation is kept under: the enterprise id of an org-wide install, else the team id. */
export function installKeyOf(at: {
  isEnterpriseInstall?: boolean | undefined;
  enterpriseId?: string | undefined;
  teamId?: string | undefined;
}): string | undefined {
  return at.isEnterpriseInstall ? at.enterpriseId : at.teamId;
}

/** Bolt's installation as paperboy keeps it (only the bot's side: paperboy asks for no user scopes, and keeps no user token). */
export function fromBolt(i: BoltInstallation, now: Date): Installation | null {
  const enterpriseWide = i.isEnterpriseInstall === true;
  const key = installKeyOf({ isEnterpriseInstall: enterpriseWide, enterpriseId: i.enterprise?.id, teamId: i.team?.id });
  if (!key || !i.bot) return null;
  return {
    platform: 'slack',
    key,
    enterpriseWide,
    botToken: i.bot.token,
    botUserId: i.bot.userId,
    scopes: i.bot.scopes,
    installedAt: now.toISOString(),
    ...(i.team?.id ? { teamId: i.team.id } : {}),
    ...(i.team?.name ? { teamName: i.team.name } : {}),
    ...(i.enterprise?.id ? { enterpriseId: i.enterprise.id } : {}),
    ...(i.appId ? { appId: i.appId } : {}),
    ...(i.bot.id ? { botId: i.bot.id } : {}),
    ...(i.user.id ? { installer: i.user.id } : {}),
  };
}

function toBolt(i: Installation): BoltInstallation {
  return {
    team: i.enterpriseWide ? undefined : { id: i.teamId ?? i.key, ...(i.teamName ? { name: i.teamName } : {}) },
    enterprise: i.enterpriseId ? { id: i.enterpriseId } : undefined,
    user: { token: undefined, scopes: undefined, id: i.installer ?? '' },
    bot: { token: i.botToken, scopes: i.scopes, id: i.botId ?? '', userId: i.botUserId },
    isEnterpriseInstall: i.enterpriseWide,
    authVersion: 'v2',
    ...(i.appId ? { appId: i.appId } : {}),
  } as BoltInstallation;
}

/**
 * The InstallationStore Bolt's InstallProvider stores installations in and reads them from on every
 * event (`authorize`). A workspace with no installation (never installed, or uninstalled) is logged
 * once per process, not on every event it sends; one sealed under a key this process lacks is logged
 * each time with what to do, as no event of it can be answered.
 */
export class BookInstallationStore implements InstallationStore {
  private readonly warned = new Set<string>();

  constructor(
    private readonly book: InstallationBook,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async storeInstallation(installation: BoltInstallation): Promise<void> {
    const ours = fromBolt(installation, this.now());
    if (!ours) throw new Error('Slack answered oauth.v2.access without a bot token or a workspace id');
    await this.book.save(ours);
    this.warned.delete(ours.key);
    this.log.info({ team: ours.key, enterpriseWide: ours.enterpriseWide, installer: ours.installer ?? null }, 'Slack workspace installed');
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<BoltInstallation> {
    const key = installKeyOf(query);
    if (!key) throw new Error('the event names no workspace');
    const found = await this.book.get('slack', key);
    if (found.kind === 'found') return toBolt(found.installation);
    if (found.kind === 'unreadable') {
      this.log.error({ team: key, reason: found.reason }, 'cannot read the installation of this Slack workspace: check PAPERBOY_SECRET_KEY');
      throw new Error(`the installation of ${key} cannot be read`);
    }
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.log.warn({ team: key }, 'a Slack workspace with no installation sent a request; ignored (it must install the app at /slack/install)');
    }
    throw new Error(`no installation for ${key}`);
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const key = installKeyOf(query);
    if (key) await this.book.remove('slack', key);
  }
}
