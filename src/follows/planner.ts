// The alert planner: when papers arrive, which followers hear of which new papers, recorded in the outbox at once.
import { paperCard } from '../cards.js';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { Follow, FollowOwner, SearchIndex, UpsertStats } from '../ports.js';
import type { Reply } from '../reply.js';
import { byUpvotesThenDate } from '../search/index.js';
import type { FollowStore, PlannedAlert } from './store.js';
import { parseSubject } from './subject.js';

/** Papers one alert shows as cards; the rest are counted ("Showing 1–10 of 23") and reachable with `topic`. */
export const ALERT_CARDS = 10;

/**
 * Turns an ingest into alerts. The relevance threshold is the one `topic` uses for known topics,
 * applied to every follow: a new paper alerts a follow when it is *about* the follow's subject (see
 * `isAbout` in search/indexData.ts): for one of its phrases, every term is in the title, or every term
 * occurs at least twice in title and abstract. For free words that means every concept of the topic is
 * present substantially, not one word of it nor a passing mention: an alert interrupts someone, so it
 * must be as precise as a topic list's members, and stricter than search's ranked "any word" hits.
 * The search index answers it (`papersWithPhrases`), so alerts match exactly what the index holds.
 */
export class AlertPlanner {
  constructor(
    private readonly follows: FollowStore,
    private readonly index: SearchIndex,
    private readonly logger: Logger,
  ) {}

  /** Plans and records the alerts for the papers an upsert inserted (updates and moves alert no one). Returns outbox rows written. */
  plan(stats: UpsertStats): number {
    const fresh = new Map<string, Paper>();
    for (const c of stats.changed) if (c.inserted === true) fresh.set(c.paper.id, c.paper);
    if (fresh.size === 0) return 0;
    const follows = this.follows.all();
    if (follows.length === 0) return 0;
    const planned = plannedAlerts(follows, fresh, (phrases) => this.index.papersWithPhrases(phrases));
    const written = this.follows.record(planned);
    if (written > 0) this.logger.info({ alerts: written, newPapers: fresh.size, follows: follows.length }, 'follow alerts recorded');
    return written;
  }
}

/**
 * One PlannedAlert per owner with at least one matching new paper: papers best first (upvotes, then
 * date), each once however many of the owner's follows it matches, headed by the topics it matched.
 */
export function plannedAlerts(
  follows: readonly Follow[],
  fresh: ReadonlyMap<string, Paper>,
  members: (phrases: string[][]) => ReadonlySet<string>,
): PlannedAlert[] {
  // NOTE: one index look-up per distinct subject, however many owners follow it.
  const bySubject = new Map<string, string[]>();
  const owners = new Map<string, { platform: string; owner: FollowOwner; follows: Array<{ follow: Follow; papers: string[] }> }>();
  for (const f of follows) {
    const subject = parseSubject(f.topic);
    if (!subject.ok) continue;
    let hit = bySubject.get(subject.value.key);
    if (!hit) {
      const about = members(subject.value.phrases);
      hit = [...fresh.keys()].filter((id) => about.has(id));
      bySubject.set(subject.value.key, hit);
    }
    if (hit.length === 0) continue;
    const key = JSON.stringify([f.platform, f.owner.kind, f.owner.kind === 'user' ? f.owner.user : f.owner.channel]);
    const entry = owners.get(key) ?? { platform: f.platform, owner: f.owner, follows: [] };
    entry.follows.push({ follow: f, papers: hit });
    owners.set(key, entry);
  }
  return [...owners.values()].map((o) => {
    const ids = [...new Set(o.follows.flatMap((x) => x.papers))];
    const papers = ids.flatMap((id) => fresh.get(id) ?? []).sort(byUpvotesThenDate);
    return {
      platform: o.platform,
      owner: o.owner,
      paperIds: papers.map((p) => p.id),
      reply: (newIds) => {
        const keep = new Set(newIds);
        const matched = o.follows.filter((x) => x.papers.some((id) => keep.has(id))).map((x) => x.follow);
        return alertReply(
          matched,
          papers.filter((p) => keep.has(p.id)),
        );
      },
    };
  });
}

/** The alert itself: a neutral paper list the renderers already show (and escape), named by the topics it is for. */
export function alertReply(follows: readonly Follow[], papers: readonly Paper[]): Reply {
  const topics = follows.map((f) => f.topic);
  const ids = follows.map((f) => `${f.topic} (id ${f.id})`).join(', ');
  const rest = papers.length > ALERT_CARDS ? ` \`topic ${follows[0]?.topic ?? ''}\` lists them all.` : '';
  return {
    kind: 'papers',
    title: `New papers on ${topics.join(', ')}`,
    notice: `You follow ${ids}; \`unfollow <id>\` stops these alerts.${rest}`,
    cards: papers.slice(0, ALERT_CARDS).map((p) => paperCard(p)),
    start: 1,
    total: papers.length,
    visibility: 'public',
    shareable: false,
  };
}
