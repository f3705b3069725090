// Spelling variants: British spellings folded onto American ones, and the rule-based variants the search tries for ordinary words.

/** Words ending in -ise that are not British -ize spellings. */
const ISE_WORDS = new Set([
  'noise',
  'noises',
  'noised',
  'precise',
  'wise',
  'raise',
  'raises',
  'raised',
  'raising',
  'promise',
  'promises',
  'promised',
  'promising',
  'exercise',
  'exercises',
  'expertise',
  'concise',
  'otherwise',
  'enterprise',
  'enterprises',
  'surprise',
  'surprises',
  'surprising',
  'surprisingly',
  'compromise',
  'compromised',
  'advise',
  'advised',
  'revise',
  'revised',
  'revising',
  'rise',
  'rises',
  'arise',
  'arises',
  'arising',
  'praise',
  'premise',
  'premises',
  'devise',
  'devised',
  'supervise',
  'supervised',
  'supervising',
  'unsupervised',
  'self-supervised',
  'clockwise',
  'pairwise',
  'pointwise',
  'elementwise',
  'layerwise',
  'stepwise',
  'likewise',
  'disguise',
  'cruise',
  'franchise',
  'paradise',
  'merchandise',
  'televise',
  'improvise',
  'improvised',
  'despise',
  'comprise',
  'comprises',
  'comprised',
  'comprising',
  'denoise',
  'denoised',
  'denoising',
  'treatise',
  'poise',
  'poised',
  'bruise',
  'chemise',
  'demise',
  'excise',
  'incise',
  'reprise',
  'sunrise',
  'uprise',
  'wisest',
  'precisely',
  'raiser',
]);

/** Words ending in -our that are not British -or spellings. */
const OUR_WORDS = new Set([
  'detour',
  'detours',
  'devour',
  'devours',
  'devoured',
  'contour',
  'contours',
  'scour',
  'scoured',
  'flour',
  'paramour',
  'troubadour',
  'velour',
  'amour',
]);

/**
 * Folds British spellings onto American ones (quantisation → quantization, behaviour → behavior,
 * modelling → modeling, analyse → analyze) so either spelling finds both.
 */
export function americanize(word: string): string {
  if (word.length < 5 || ISE_WORDS.has(word)) return word;
  let w = word;
  w = w.replace(/isation(s?)$/, 'ization$1');
  w = w.replace(/([a-z]{3,})is(e|es|ed|ing|er|ers)$/, (m, root: string, end: string) => (ISE_WORDS.has(m) ? m : `${root}iz${end}`));
  w = w.replace(/(ana|cata|paraly)ys(e|es|ed|ing)$/, '$1yz$2');
  w = w.replace(/yse(s|d)?$/, (m) => (w.length > 6 ? m.replace('yse', 'yze') : m));
  if (!OUR_WORDS.has(w)) w = w.replace(/([a-z]{2,})our(s|ed|ing|al|ally|ite|ites|ful|less)?$/, '$1or$2');
  w = w.replace(/(mode|labe|channe|leve|signa|trave|cance|fue|tunne|mode)ll(ed|ing|er|ers)$/, '$1l$2');
  w = w.replace(/(cent|met|lit|fib|theat)re(s|d)?$/, '$1er$2');
  w = w.replace(/^programme(s?)$/, 'program$1');
  w = w.replace(/^catalogue(s?)$/, 'catalog$1');
  w = w.replace(/^licence(s?)$/, 'license$1');
  w = w.replace(/^defence(s?)$/, 'defense$1');
  w = w.replace(/^offence(s?)$/, 'offense$1');
  return w;
}

/**
 * Rewrites of a British spelling that {@link americanize} leaves alone, by rule rather than by word
 * list (`artefacts` → `artifacts`, `counselling` → `counseling`, `ageing` → `aging`, `judgement` →
 * `judgment`, `paediatric` → `pediatric`, `grey` → `gray`, `centre` → `center`, `dialogue` →
 * `dialog`). NOTE: some rewrites are not words; the search keeps only those the corpus has, so they
 * are read as spelling variants of an ordinary word, never as typo corrections.
 */
export function spellingVariants(word: string): string[] {
  const out = new Set<string>();
  const rules: ReadonlyArray<[RegExp, string]> = [
    [/([aeiou])ll(ed|ing|er|ers|ors?|ation)$/, '$1l$2'],
    [/([^aeiou])eing$/, '$1ing'],
    [/dgement(s?)$/, 'dgment$1'],
    [/efact(s?)$/, 'ifact$1'],
    [/([^aeiou])re(s|d)?$/, '$1er$2'],
    [/ogue(s?)$/, 'og$1'],
    [/ence(s?)$/, 'ense$1'],
    [/^grey/, 'gray'],
    [/ae/g, 'e'],
    [/oe/g, 'e'],
  ];
  for (const [rule, to] of rules) {
    const v = word.replace(rule, to);
    if (v !== word) out.add(americanize(v));
  }
  return [...out];
}
