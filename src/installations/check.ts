// The start-up check of OAuth mode's installations: every token opens under PAPERBOY_SECRET_KEY (old ones re-sealed), or the ones that do not are named.
import { OperatorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { InstallationStore } from './store.js';

/**
 * Opens every stored installation before serving. Ones sealed under PAPERBOY_SECRET_KEY_PREVIOUS are
 * re-sealed under the current key (a rotation completes here). When none opens, the key is wrong:
 * start-up stops naming the installations and the key to set. When only some do not, they are named
 * in an error line and serving goes on for the others (those workspaces reinstall, or the key is fixed).
 */
export async function checkInstallations(store: InstallationStore, logger: Logger): Promise<void> {
  const audit = await store.audit();
  if (audit.resealed > 0) logger.info({ resealed: audit.resealed }, 'installation tokens re-sealed under the current PAPERBOY_SECRET_KEY');
  if (audit.unreadable.length === 0) return;
  const names = audit.unreadable.map((u) => `${u.platform} ${u.key}`).join(', ');
  if (audit.readable === 0) {
    throw new OperatorError(`PAPERBOY_SECRET_KEY does not open the stored installations (${names}): ${audit.unreadable[0]?.reason ?? ''}.`, [
      'Set PAPERBOY_SECRET_KEY to the key they were sealed with (while rotating, the old one as PAPERBOY_SECRET_KEY_PREVIOUS), or have those workspaces install again.',
    ]);
  }
  logger.error(
    { installations: audit.unreadable },
    `PAPERBOY_SECRET_KEY does not open these installations: ${names}; they get no answers or posts until the key is fixed or they install again`,
  );
}
