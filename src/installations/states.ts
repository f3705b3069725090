// OAuth states in the shared database: handed out by the install page, taken once by the redirect on any replica.
import type { Clock, OAuthStates, Sql } from '../ports.js';

/** The StateStore's storage: a state row is deleted as it is read, so a second use (a replay) finds nothing. */
export class StoredOAuthStates implements OAuthStates {
  constructor(
    private readonly sql: Sql,
    private readonly clock: Clock,
  ) {}

  async put(state: string, payload: string, expiresAt: Date): Promise<void> {
    const now = this.clock.now().getTime();
    await this.sql.run('DELETE FROM oauth_states WHERE expires_at < ?', [now]);
    await this.sql.run('INSERT INTO oauth_states (state, payload, expires_at) VALUES (?, ?, ?)', [state, payload, expiresAt.getTime()]);
  }

  async take(state: string): Promise<string | null> {
    // NOTE: DELETE … RETURNING takes it atomically: of two requests with one state (two replicas), one gets it.
    const row = await this.sql.get<{ payload: string; expires_at: number | string }>('DELETE FROM oauth_states WHERE state = ? RETURNING payload, expires_at', [
      state,
    ]);
    if (!row || Number(row.expires_at) < this.clock.now().getTime()) return null;
    return row.payload;
  }
}
