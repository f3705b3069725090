// What one abstract sentence carries: a contribution or finding, or background; and the sentence made to stand alone.
import type { Paper } from '../papers/model.js';

/** What a sentence says about its paper: what it proposes or finds (1), something in between (0.5), or the field's background (0). */
export type Content = 0 | 0.5 | 1;

/** The authors saying what they do or found ("we propose", "this paper introduces", "X achieves"). */
const CONTRIBUTION =
  /\b(?:we|this (?:paper|work|study)|our (?:method|approach|framework|model|system|results?|experiments?|analysis|evaluation))\b[^.;]{0,60}?\b(?:propose|introduce|present|develop|design|show|demonstrate|achieve|find|found|reveal|observe|outperform|reduce|improve|enable|obtain|attain|prove|derive|build|train|evaluate|quantize|compress|report)(?:s|d|ed)?\b|\b(?:achiev|outperform|reduc|improv|speed(?:s|ing)? up|surpass|accelerat|cut)\w*\b[^.;]{0,80}?(?:\d+(?:\.\d+)?\s*(?:%|×|x\b|times)|\bby up to\b|\bup to\b)|\bresults? (?:show|demonstrate|indicate)/i;

/** The field's state or problem, not what this paper does ("LLMs have revolutionized …", "… remains a challenge"). */
const BACKGROUND =
  /\b(?:ha(?:ve|s) (?:revolutionized|transformed|shown|demonstrated|achieved|become|emerged|gained|attracted|garnered|drawn|made)|(?:remains?|is|are|poses?) (?:a |an )?(?:key |major |significant |critical |fundamental |open )?(?:challeng|bottleneck|problem|concern|obstacle)|suffer|faces? [^.;]{0,50}?(?:challeng|difficult)|is (?:crucial|essential|critical|important)|increasingly|in recent years|recent (?:advances|progress|years|work)|widely (?:used|adopted)|growing (?:interest|demand|need)|however, (?:existing|current|these|such|most)|existing (?:methods|approaches|work))/i;

/** The authors saying what they propose (stronger than a finding for saying what a paper does). */
const PROPOSAL = /^[^.;]{0,80}?\b(?:propose|introduce|present|develop|design)(?:s|d|ed)?\b/i;

/** Whether a sentence says what its paper proposes ("KIVI proposes …", "We introduce …"). */
export function proposes(text: string, name: string | null = null): boolean {
  return PROPOSAL.test(text) && contentOf(text, name) === 1;
}

/** The verbs by which a paper, named as the opening subject ("KIVI quantizes …"), says what it does or found. */
const DOES =
  /^(?:also |further |then |first |additionally |thus |finally )?(?:propose|introduce|present|develop|design|show|demonstrate|achieve|find|reveal|observe|outperform|reduce|improve|enable|obtain|attain|prove|derive|build|train|evaluate|quantize|compress|report|prune|evict|cache|retain|keep|store|select|merge|offload|exploit|leverage|use|employ|combine|integrate|decompose|identify|learn|model|predict|generate|apply|adapt|extend|replace|maintain|preserve|allocate|distill|accelerate|speed|cut|match|surpass|deliver|provide|offer|tackle|address|solve|mitigate|optimize|allow|ensure)(?:s|es|d|ed)?\b/i;

/**
 * Scores a sentence's content; contribution cues win over background ones ("we show that LLMs have …"
 * is a finding). Given the paper's name, a sentence it opens as the subject of a doing verb ("KIVI
 * quantizes …", "KIVI proposes …", as `standAlone` writes "It quantizes …" and "We propose …") is one too.
 */
export function contentOf(text: string, name: string | null = null): Content {
  if (CONTRIBUTION.test(text)) return 1;
  if (name !== null && text.startsWith(name) && DOES.test(text.slice(name.length).trimStart())) return 1;
  if (BACKGROUND.test(text)) return 0;
  return 0.5;
}

/**
 * A paper's short name for a sentence's subject: the part of its title before the colon when that is a
 * name (at most three words, `KIVI`, `ScaleKV`, `A-MEM`), else null.
 */
export function paperName(p: Pick<Paper, 'title'>): string | null {
  const colon = p.title.indexOf(':');
  if (colon <= 0) return null;
  const head = p.title.slice(0, colon).trim();
  return head.split(/\s+/).length <= 3 && head.length <= 40 ? head : null;
}

/** Words that tie a sentence to the one before it, as its opening ("However,", "Moreover,"): dropped, the rest stands. */
const CONNECTIVE =
  /^(?:however|yet|moreover|furthermore|additionally|in addition|also|thus|therefore|hence|consequently|nevertheless|nonetheless|meanwhile|instead|besides|finally|lastly|then|still|conversely|in contrast|on the other hand|as a result|as such|accordingly|similarly|likewise|specifically|notably|importantly|in particular|in this (?:paper|work|study|article)|here|second(?:ly)?|third(?:ly)?|first(?:ly)?|to this end|on the contrary|to (?:address|tackle|overcome|solve|mitigate|alleviate|fill|bridge|remedy|handle|resolve|cope with|deal with|combat|close) (?:this|these|that|those|such|the above|both|all|them|it)\b[^,]{0,80}|(?:motivated|inspired|building|based|driven|in response|under|given|from) (?:by |on |to )?(?:this|these|that|those|such|our|the above)\b[^,]{0,100}|in (?:this|that) (?:way|case|setting|context)|with (?:this|these|that)\b[^,]{0,40}|unlike (?:these|those|them|prior|previous|existing)\b[^,]{0,60}),\s+/i;

/**
 * More openings that tie a sentence to what is not shown, dropped from the sentences an answer shows
 * (`standAlone(…, true)`): "Despite these advances,", "For this reason,", "For the second concern,", "To
 * enhance all these aspects,", "Overall,", and "Yet"/"Thus"/"But" without a comma. NOTE: not applied to
 * the sentences the picker scores, whose reading the cross-validation chose the citations with.
 */
const SHOWN_CONNECTIVE =
  /^(?:(?:despite (?:this|these|that|those|such)\b[^,]{0,80}|(?:for|because of|due to|following|beyond|apart from) (?:this|these|that|those|such)\b[^,]{0,60}|for the (?:first|second|third|former|latter|last|other)\b[^,]{0,60}|to [a-z]+ (?:all )?(?:of )?(?:this|these|those|such|both|them)\b[^,]{0,80}|(?:by|in) (?:so )?doing so|to do so|to that end|in turn|at the same time|even so|overall|in summary|in conclusion|to summari[sz]e),\s+|(?:yet|but|thus|hence|therefore|consequently|moreover|furthermore|additionally|nevertheless|nonetheless)\s+(?=\p{L}))/iu;

/** The paper as "The proposed method", "This algorithm": named in the sentences an answer shows, as `SELF` is. */
const SHOWN_SELF = /^(?:(?:our|the) proposed (?:method|approach|framework|technique|system|model|algorithm)|this algorithm|our algorithm)\b\s*/i;

/** The paper itself as the opening subject ("This paper", "Our method", "The proposed method", "It"): the paper's name replaces it. */
const SELF =
  /^(?:this (?:paper|work|study|article|approach|method|framework|technique|system|model)|our (?:paper|work|method|approach|framework|technique|system|model)|it(?! (?:is|was|has been|remains|seems|appears|becomes)\b))\b\s*/i;

/** An opening that points back at what is not shown ("This ensures", "These methods", "Such models", "They"): the sentence cannot stand. */
const ANAPHOR = /^(?:this|these|those|that|such|they|them|their|its|both|the latter|the former|the above)\b/i;

/** "We propose X" with the paper's name: "KIVI proposes X". */
const WE = /^we\s+(?:(also|further|then|first|additionally|next|finally)\s+)?([a-z]+)\b/i;

function thirdPerson(verb: string): string {
  if (/(?:s|sh|ch|x|z)$/.test(verb)) return `${verb}es`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
  return `${verb}s`;
}

const upperFirst = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The sentence as it reads on its own, next to other papers' sentences: an opening connective is
 * dropped, the paper referring to itself ("This paper", "It", "We propose") becomes its name, and a
 * sentence that opens by pointing at something not shown ("This ensures …", "These methods …") is
 * null, as is one about the paper itself when the paper has no short name. `shown`: the stricter
 * reading of a sentence an answer shows (`SHOWN_CONNECTIVE`, `SHOWN_SELF` too).
 */
export function standAlone(text: string, name: string | null, shown = false): string | null {
  let s = text.trim();
  for (let i = 0; i < 3; i++) {
    const m = CONNECTIVE.exec(s) ?? (shown ? SHOWN_CONNECTIVE.exec(s) : null) ?? /^in this (?:paper|work|study|article)\s+(?=we\b)/i.exec(s);
    if (!m) break;
    s = upperFirst(s.slice(m[0].length));
  }
  const self = SELF.exec(s) ?? (shown ? SHOWN_SELF.exec(s) : null);
  if (self) {
    if (name === null) return null;
    const rest = s.slice(self[0].length);
    // "This paper's …" reads as "<name>'s …"; an impersonal "It is … that" is no self-reference and stays.
    return `${name}${rest.startsWith("'s") ? '' : ' '}${rest}`;
  }
  // A lowercase opening word is the tail of a sentence the splitter cut ("quantization approach that …").
  if (ANAPHOR.test(s) || /^[a-z]+[\s,]/.test(s)) return null;
  const we = WE.exec(s);
  // "We introduce MEMTRACK" stays as it is rather than "MEMTRACK introduces MEMTRACK".
  if (we && name !== null && !s.includes(name)) {
    const adverb = we[1] ? `${we[1].toLowerCase()} ` : '';
    const verb = (we[2] ?? '').toLowerCase();
    // Only verbs in the present tense ("we propose", not "we proposed" or "we are").
    if (
      !/(?:ed|ing)$/.test(verb) &&
      !['are', 'were', 'have', 'had', 'can', 'could', 'will', 'would', 'may', 'might', 'must', 'should', 'do', 'did'].includes(verb)
    ) {
      return `${name} ${adverb}${thirdPerson(verb)}${s.slice(we[0].length)}`;
    }
  }
  return s;
}
