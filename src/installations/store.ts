// Chat-app installations in the shared database, bot tokens sealed with PAPERBOY_SECRET_KEY (never in plain text in a row).
import type { Clock, FoundInstallation, Installation, InstallationBook, Sql } from '../ports.js';
import type { SecretBox } from '../secretBox.js';

interface InstallationRow {
  platform: string;
  install_key: string;
  team_id: string | null;
  team_name: string | null;
  enterprise_id: string | null;
  enterprise_wide: number;
  app_id: string | null;
  bot_token_sealed: string;
  key_id: string;
  bot_id: string | null;
  bot_user_id: string;
  scopes: string;
  installer: string | null;
  installed_at: string;
}

/** What a start-up check of every installation found: how many open, which do not (and why), how many were re-sealed under the current key. */
export interface InstallationAudit {
  readable: number;
  unreadable: Array<{ platform: string; key: string; reason: string }>;
  resealed: number;
}

/** What a sealed token is bound to: a sealed value copied onto another row does not open. */
const contextOf = (platform: string, key: string) => `installation:${platform}:${key}`;

/**
 * The InstallationBook over the Sql port (SQLite or PostgreSQL). Tokens are sealed on the way in and
 * opened on the way out; one sealed under PAPERBOY_SECRET_KEY_PREVIOUS is re-sealed under the current
 * key when read, so a rotation completes as the installations are used (or at once with {@link audit}).
 */
export class InstallationStore implements InstallationBook {
  constructor(
    private readonly sql: Sql,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async save(i: Installation): Promise<void> {
    const sealed = this.box.seal(i.botToken, contextOf(i.platform, i.key));
    await this.sql.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO installations (platform, install_key, team_id, team_name, enterprise_id, enterprise_wide, app_id, bot_token_sealed, key_id,
           bot_id, bot_user_id, scopes, installer, installed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (platform, install_key) DO UPDATE SET team_id = excluded.team_id, team_name = excluded.team_name,
           enterprise_id = excluded.enterprise_id, enterprise_wide = excluded.enterprise_wide, app_id = excluded.app_id,
           bot_token_sealed = excluded.bot_token_sealed, key_id = excluded.key_id, bot_id = excluded.bot_id,
           bot_user_id = excluded.bot_user_id, scopes = excluded.scopes, installer = excluded.installer, installed_at = excluded.installed_at`,
        [
          i.platform,
          i.key,
          i.teamId ?? null,
          i.teamName ?? null,
          i.enterpriseId ?? null,
          i.enterpriseWide ? 1 : 0,
          i.appId ?? null,
          sealed,
          this.box.keyId,
          i.botId ?? null,
          i.botUserId,
          i.scopes.join(','),
          i.installer ?? null,
          i.installedAt,
        ],
      );
      // A reinstall within the grace period keeps what the workspace had.
      await tx.run('DELETE FROM installation_removals WHERE platform = ? AND install_key = ?', [i.platform, i.key]);
    });
  }

  async get(platform: string, key: string): Promise<FoundInstallation> {
    const row = await this.sql.get<InstallationRow>('SELECT * FROM installations WHERE platform = ? AND install_key = ?', [platform, key]);
    if (!row) return { kind: 'none' };
    const opened = this.box.open(row.bot_token_sealed, contextOf(platform, key));
    if (!opened.ok) return { kind: 'unreadable', reason: opened.error };
    if (opened.value.stale) await this.reseal(row, opened.value.value);
    return { kind: 'found', installation: toInstallation(row, opened.value.value) };
  }

  async remove(platform: string, key: string): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const gone = await tx.run('DELETE FROM installations WHERE platform = ? AND install_key = ?', [platform, key]);
      await tx.run(
        'INSERT INTO installation_removals (platform, install_key, removed_at) VALUES (?, ?, ?) ON CONFLICT (platform, install_key) DO UPDATE SET removed_at = excluded.removed_at',
        [platform, key, this.clock.now().getTime()],
      );
      return gone.changes > 0;
    });
  }

  /** Opens every installation: the ones that do not open are named; the ones sealed under the previous key are re-sealed now. */
  async audit(): Promise<InstallationAudit> {
    const rows = await this.sql.all<InstallationRow>('SELECT * FROM installations ORDER BY platform, install_key');
    const out: InstallationAudit = { readable: 0, unreadable: [], resealed: 0 };
    for (const row of rows) {
      const opened = this.box.open(row.bot_token_sealed, contextOf(row.platform, row.install_key));
      if (!opened.ok) {
        out.unreadable.push({ platform: row.platform, key: row.install_key, reason: opened.error });
        continue;
      }
      out.readable += 1;
      if (opened.value.stale) {
        await this.reseal(row, opened.value.value);
        out.resealed += 1;
      }
    }
    return out;
  }

  /** Workspaces removed before `before` whose leftovers (subscriptions, follows) are due for deletion. */
  async removedBefore(before: Date): Promise<Array<{ platform: string; key: string }>> {
    const rows = await this.sql.all<{ platform: string; install_key: string }>(
      'SELECT platform, install_key FROM installation_removals WHERE removed_at < ? ORDER BY removed_at',
      [before.getTime()],
    );
    return rows.map((r) => ({ platform: r.platform, key: r.install_key }));
  }

  /** Ends the grace period of a removed workspace whose leftovers were deleted. */
  async forgetRemoval(platform: string, key: string): Promise<void> {
    await this.sql.run('DELETE FROM installation_removals WHERE platform = ? AND install_key = ?', [platform, key]);
  }

  private async reseal(row: InstallationRow, token: string): Promise<void> {
    const sealed = this.box.seal(token, contextOf(row.platform, row.install_key));
    // NOTE: only if nobody re-sealed or replaced it meanwhile.
    await this.sql.run('UPDATE installations SET bot_token_sealed = ?, key_id = ? WHERE platform = ? AND install_key = ? AND bot_token_sealed = ?', [
      sealed,
      this.box.keyId,
      row.platform,
      row.install_key,
      row.bot_token_sealed,
    ]);
  }
}

function toInstallation(r: InstallationRow, botToken: string): Installation {
  return {
    platform: r.platform,
    key: r.install_key,
    enterpriseWide: r.enterprise_wide === 1,
    botToken,
    botUserId: r.bot_user_id,
    scopes: r.scopes === '' ? [] : r.scopes.split(','),
    installedAt: r.installed_at,
    ...(r.team_id ? { teamId: r.team_id } : {}),
    ...(r.team_name ? { teamName: r.team_name } : {}),
    ...(r.enterprise_id ? { enterpriseId: r.enterprise_id } : {}),
    ...(r.app_id ? { appId: r.app_id } : {}),
    ...(r.bot_id ? { botId: r.bot_id } : {}),
    ...(r.installer ? { installer: r.installer } : {}),
  };
}
