// The alert planner: when papers arrive, which followers hear of which new papers, recorded in the outbox at once.
import { paperCard } from '../cards.js';
import type { Logger } from '../logger.js';
import type { Paper } from '../papers/model.js';
import type { Follow, FollowOwner } from '../ports.js';
import type { Reply } from '../reply.js';
import { documentFields } from '../search/document.js';
import { byUpvotesThenDate } from '../search/hits.js';
import { isAbout } from '../search/subjects.js';
import type { FollowStore, PlannedAlert } from './store.js';
import { isTheirs, personOf, subjectPhrase } from './people.js';
import { parseSubject } from './subject.js';

/** Papers one alert shows as cards; the rest are counted ("Showing 1–10 of 23") and reachable with `topic`. */
export const ALERT_CARDS = 10;

/** New papers one planning step reads: bounds the work (and memory) of a large backfill's step. */
export const PLAN_BATCH = 2_000;

/**
 * Turns papers new to the store into alerts. The relevance threshold is the one `topic` uses for
 * its known topics, applied to every follow: a new paper alerts a follow when it is *about* the
 * follow's subject (`isAbout` in search/subjects.ts, over the paper's index terms from
 * `documentFields`, exactly as the index decides a topic's members): for one of the subject's phrases,
 * every term is in the title, or every term occurs at least twice in title and abstract. For free
 * words that means every concept of the topic is present substantially, not one word of it nor a
 * passing mention: an alert interrupts someone, so it must be as precise as a topic list's members,
 * and stricter than search's ranked "any word" hits.
 * NOTE: the rule is applied to the new papers themselves (bounded: new papers × followed subjects),
 * not read from the index, so the answer never depends on whether this process's index has caught up
 * with another process's writes.
 */
export class AlertPlanner {
  constructor(
    private readonly follows: FollowStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Plans the alerts for every paper stored since the last plan (by any process, on any host) and
   * records them with the new mark in one transaction, so each new paper is planned once even when
   * several processes plan at once, and papers a killed process stored but never planned are planned
   * by the next call. The papers are read from the shared database, not this host's copy of it.
   * Returns the outbox rows written.
   */
  async plan(): Promise<number> {
    let written = 0;
    for (;;) {
      const follows = await this.follows.all();
      const batch = await this.follows.unplanned(PLAN_BATCH, follows.length > 0);
      if (batch.last === null) return written;
      const fresh = new Map(batch.papers.map((p) => [p.id, p]));
      const done = await this.follows.commitPlan(batch.mark, batch.last, follows.length > 0 ? plannedAlerts(follows, fresh, aboutTest(fresh)) : []);
      if (done === null) continue;
      written += done;
      if (done > 0) this.logger.info({ alerts: done, newPapers: batch.count, follows: follows.length }, 'follow alerts recorded');
      if (batch.count < PLAN_BATCH) return written;
    }
  }
}

/** `members` for {@link plannedAlerts} over the new papers: which of them are about a subject, by their own index terms. */
function aboutTest(fresh: ReadonlyMap<string, Paper>): (phrases: string[][]) => ReadonlySet<string> {
  const terms = new Map<string, { title: Map<string, number>; both: Map<string, number> }>();
  for (const [id, p] of fresh) {
    const f = documentFields(p);
    terms.set(id, { title: counts(f.title), both: counts([...f.title, ...f.abstract]) });
  }
  return (phrases) => new Set([...terms].filter(([, t]) => isAbout(phrases, t.title, t.both)).map(([id]) => id));
}

function counts(terms: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of terms) out.set(t, (out.get(t) ?? 0) + 1);
  return out;
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
      const who = subject.value.who;
      if (who) {
        hit = [...fresh].filter(([, p]) => isTheirs(who, p)).map(([id]) => id);
      } else {
        const about = members(subject.value.phrases);
        hit = [...fresh.keys()].filter((id) => about.has(id));
      }
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
  // A channel's topic subscription is stopped in the channel, by whoever may manage it; a user's follow by that user.
  const channel = follows[0]?.owner.kind === 'channel';
  const stop = channel
    ? `This channel is subscribed to ${ids}; \`unsubscribe <id>\` here stops these alerts.`
    : `You follow ${ids}; \`unfollow <id>\` stops these alerts.`;
  const first = follows[0]?.topic ?? '';
  const firstPerson = personOf(first);
  const rest = papers.length <= ALERT_CARDS ? '' : firstPerson ? ` \`search ${firstPerson.name}\` finds more.` : ` \`topic ${first}\` lists them all.`;
  // "New papers on kv cache" as before; people and labs read "by Tri Dao", "from MemTensor".
  const heading = topics.some((t) => personOf(t)) ? topics.map(subjectPhrase).join(', ') : `on ${topics.join(', ')}`;
  return {
    kind: 'papers',
    title: `New papers ${heading}`,
    notice: `${stop}${rest}`,
    cards: papers.slice(0, ALERT_CARDS).map((p) => paperCard(p)),
    start: 1,
    total: papers.length,
    visibility: 'public',
    shareable: false,
  };
}
