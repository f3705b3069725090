// Builds the neutral paper cards replies carry.
import type { Paper } from './papers/model.js';
import { paperLinks } from './papers/model.js';
import type { PaperCard, Segment } from './reply.js';
import { gist } from './ask/gist.js';

/** A card for a paper; `snippet` defaults to the paper's gist (what it does, in one line: `ask/gist.ts`). */
export function paperCard(p: Paper, snippet?: Segment[], score?: number): PaperCard {
  const links = paperLinks(p);
  const card: PaperCard = {
    id: p.id,
    title: p.title,
    url: links.page,
    pdfUrl: links.pdf,
    arxivUrl: links.arxivAbs,
    publishedAt: p.publishedAt,
    upvotes: p.upvotes,
    org: p.org,
    authorCount: p.authorCount,
    authors: p.authors,
    thumbnail: p.thumbnail,
    snippet: snippet ?? [{ text: gist(p) }],
  };
  if (score !== undefined) card.score = Math.round(score * 1000) / 1000;
  if (p.githubRepo) card.codeUrl = p.githubRepo;
  if (p.githubRepo && p.githubStars !== undefined) card.codeStars = p.githubStars;
  if (p.projectPage) card.projectUrl = p.projectPage;
  return card;
}
