// Turns LaTeX and PDF-extraction residue in a paper's title, abstract and summary into readable text (H$_2$O → H₂O, 2.6times → 2.6×, 5\% → 5%).
import type { Paper } from './model.js';

const SUBSCRIPT: Record<string, string> = {
  '0': '₀',
  '1': '₁',
  '2': '₂',
  '3': '₃',
  '4': '₄',
  '5': '₅',
  '6': '₆',
  '7': '₇',
  '8': '₈',
  '9': '₉',
  '-': '₋',
  '+': '₊',
};
const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '-': '⁻',
  '+': '⁺',
};

/** Math-mode symbols abstracts use, by LaTeX command name. */
const SYMBOLS: Record<string, string> = {
  times: '×',
  sim: '~',
  approx: '≈',
  le: '≤',
  leq: '≤',
  ge: '≥',
  geq: '≥',
  neq: '≠',
  pm: '±',
  cdot: '·',
  to: '→',
  rightarrow: '→',
  infty: '∞',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  epsilon: 'ε',
  theta: 'θ',
  lambda: 'λ',
  mu: 'μ',
  pi: 'π',
  rho: 'ρ',
  sigma: 'σ',
  tau: 'τ',
  phi: 'φ',
  omega: 'ω',
  ell: 'ℓ',
};

/** LaTeX accent commands (`na\"ive`) as combining marks. */
const ACCENTS: Record<string, string> = { '"': '\u0308', "'": '\u0301', '`': '\u0300', '^': '\u0302', '~': '\u0303' };

/** Escaped characters (`5\%`, `\$4000`, `R\&D`). */
const ESCAPED = /\\([%$&#_])/g;
/** A formatting command around text (`\textbf{X}`, `\url{X}`, `\footnotesizeblue{X}`): the text is kept. */
const COMMAND_WITH_TEXT = /\\[a-zA-Z]+\{([^{}]*)\}/g;
/** A size or style switch inside a group (`{\small X}`): the text is kept. */
const SWITCH_IN_GROUP = /\{\\[a-zA-Z]+\s+([^{}]*)\}/g;
/** A group left around a link once its command is gone (`{https://…}`). */
const GROUPED_LINK = /\{\s*(https?:\/\/[^\s{}]+)\s*\}/g;
/**
 * Inline math, `$…$` on one line and short, holding a math mark (`\`, `_`, `^`, `{`) or one
 * short symbol (`$n$`): prices ("$4000 and $5") are not math.
 */
const INLINE_MATH = /\$((?=[^$\n]*[\\_^{])[^$\n]{1,80}|\s*[\p{L}\d]{1,3}\s*)\$/gu;
const SYMBOL_COMMAND = /\\([a-zA-Z]+)(?![a-zA-Z])/g;
const ACCENT_COMMAND = /\\(["'`^~])\{?([a-zA-Z])\}?/g;
/** `H_2O`, `H_{2}`, `x_{-1}`: digits subscripted after a one-letter symbol (`RoBERTa_2` is a name). */
const SUBSCRIPT_DIGITS = /(?<![\p{L}\d_])(\p{L})_(?:\{([-+]?\d{1,3})\}|(\d{1,3})(?![\d.]))/gu;
/** `L^2`, `10km^2`, `M^{-1}`: digits raised after a letter, digit or closing bracket. */
const SUPERSCRIPT_DIGITS = /([\p{L}\d)\]])\^(?:\{([-+]?\d{1,3})\}|(\d{1,3})(?![\d.]))/gu;
/** `2.6times`, `2-3times`: "times" glued to a number is the multiplication sign (prose "3 times faster" keeps its space and stays). */
const GLUED_TIMES = /(\d)times\b/g;
/** `sim7%`: "sim" glued to a number that ends there is "about" (`sim2real` is not). */
const GLUED_SIM = /\bsim(?=\d+(?:\.\d+)?(?![\p{L}\d]))/gu;
/** `2.35× sim 3.47×`: a lone "sim" between two numbers is a range. */
const SIM_BETWEEN_NUMBERS = /(?<=[\d×%]\s?)\bsim\b(?=\s?\d)/g;
/** `ﬁ`, `ﬂ`, `ﬀ`, `ﬃ`, `ﬄ`, `ﬅ`, `ﬆ`: typographic ligatures PDF extraction leaves. */
const LIGATURES = /[\uFB00-\uFB06]/g;
const LINK = /https?:\/\/[^\s)\]}>,]+/g;
/** Stands in for an escaped `\$` while inline math is read, so "\$4000 … \$5" is not taken for math. */
const DOLLAR = '\uE000';

function scripted(table: Record<string, string>, digits: string): string {
  return [...digits].map((c) => table[c] ?? c).join('');
}

/** Residue fixes that must not reach inside links (`model_2b`, `a^2` in a URL). */
function cleanProse(s: string): string {
  return s
    .replace(SUBSCRIPT_DIGITS, (_m, before: string, braced?: string, bare?: string) => before + scripted(SUBSCRIPT, braced ?? bare ?? ''))
    .replace(SUPERSCRIPT_DIGITS, (_m, before: string, braced?: string, bare?: string) => before + scripted(SUPERSCRIPT, braced ?? bare ?? ''))
    .replace(GLUED_TIMES, '$1×')
    .replace(SIM_BETWEEN_NUMBERS, '~')
    .replace(GLUED_SIM, '~');
}

/**
 * `s` with the residue of LaTeX sources and PDF extraction made readable: inline math
 * (`H$_2$O` → H₂O), escapes (`5\%` → 5%), formatting commands (`\textbf{X}` → X), math symbols
 * (`\times` → ×, `\sim` → ~), accents (`na\"ive` → naïve), ligatures (ﬁ → fi), and the forms that
 * stripped LaTeX leaves in page dumps (`2.6times` → 2.6×, `sim7%` → ~7%, `H_2O` → H₂O).
 * "times" and "sim" as ordinary words ("three times faster", "sim-to-real") stay as they are.
 * Idempotent, so stored text can be cleaned again on every read.
 */
export function cleanDisplayText(s: string): string {
  if (!/[\\$_^{}\uFB00-\uFB06]|times|sim/.test(s)) return s;
  let out = s.replace(LIGATURES, (c) => c.normalize('NFKC')).replace(/\\\$/g, DOLLAR);
  out = out.replace(INLINE_MATH, (_m, math: string) => math.trim());
  out = out.replace(ESCAPED, '$1').replace(ACCENT_COMMAND, (_m, accent: string, letter: string) => (letter + (ACCENTS[accent] ?? '')).normalize('NFC'));
  for (let i = 0; i < 3; i++) {
    const before = out;
    out = out.replace(COMMAND_WITH_TEXT, '$1').replace(SWITCH_IN_GROUP, '$1');
    if (out === before) break;
  }
  out = out.replace(GROUPED_LINK, '$1').replace(SYMBOL_COMMAND, (m, name: string) => SYMBOLS[name] ?? m);
  out = out.replaceAll(DOLLAR, '$');
  // Links keep every character; only the prose between them is rewritten.
  let cleaned = '';
  let last = 0;
  for (const m of out.matchAll(LINK)) {
    cleaned += cleanProse(out.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  cleaned += cleanProse(out.slice(last));
  return cleaned.replace(/[ \t]{2,}/g, ' ');
}

/**
 * The paper with its shown text (title, abstract, Hugging Face's summary) cleaned by
 * {@link cleanDisplayText}, and the source's title and abstract kept in `rawText` where cleaning
 * changed them (search indexes those). Idempotent: a paper already cleaned comes back as it is.
 */
export function cleanPaperText<P extends Pick<Paper, 'title' | 'abstract' | 'aiSummary' | 'rawText'>>(p: P): P {
  const title = cleanDisplayText(p.title);
  const abstract = cleanDisplayText(p.abstract);
  const aiSummary = p.aiSummary === undefined ? undefined : cleanDisplayText(p.aiSummary);
  if (title === p.title && abstract === p.abstract && aiSummary === p.aiSummary) return p;
  const rawText = {
    ...p.rawText,
    ...(title !== p.title ? { title: p.title } : {}),
    ...(abstract !== p.abstract ? { abstract: p.abstract } : {}),
  };
  const out: P = { ...p, title, abstract, ...(aiSummary !== undefined ? { aiSummary } : {}) };
  delete out.rawText;
  if (Object.keys(rawText).length > 0) out.rawText = rawText;
  return out;
}
