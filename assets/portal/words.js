// The portal's words in its reader's language (SPEC §38): every text the
// portal itself writes is a key of the catalogues, one a language
// (`words-en.js`, `words-de.js`…), each with exactly the English one's
// keys and placeholders (`node tests/browser/words.mjs` holds them to it).
// Texts the server writes — its errors, the brand's messages, campaign
// descriptions — are shown as they come.
//
// A text is a string with `{name}` placeholders, or, when it depends on a
// count, one string a CLDR plural category (`{ one: '…', other: '…' }`),
// chosen by the browser's own plural rules for the language.
import { setLocale, words as spaced } from './format.js';
import en from './words-en.js';
import de from './words-de.js';
import fr from './words-fr.js';
import es from './words-es.js';
import it from './words-it.js';
import nl from './words-nl.js';

const CATALOGUES = { en, de, fr, es, it, nl };

/** The languages the portal is written in (`revshare_core::languages::BUILT_IN`). */
export const LANGUAGES = Object.keys(CATALOGUES);

/** Each language as it names itself, for the language menu. */
export const LANGUAGE_NAMES = {
  de: 'Deutsch', en: 'English', es: 'Español', fr: 'Français', it: 'Italiano', nl: 'Nederlands',
};

let current = 'en';
let plurals = new Intl.PluralRules('en');
let numbers = new Intl.NumberFormat('en');

/** Whether `code` is a language the portal is written in. */
export function known(code) {
  return Object.prototype.hasOwnProperty.call(CATALOGUES, code);
}

/**
 * Writes the portal in `code` from now on (English when it is not one of
 * the portal's): its words, its figures' formats, and the document's
 * `lang`, so a screen reader reads the page in the language its words are
 * in. Answers the language in use.
 */
export function setLanguage(code) {
  const next = known(code) ? code : 'en';
  if (next !== current) {
    current = next;
    plurals = new Intl.PluralRules(next);
    numbers = new Intl.NumberFormat(next);
  }
  setLocale(next);
  if (typeof document !== 'undefined' && document.documentElement.lang !== next) {
    document.documentElement.lang = next;
  }
  return next;
}

/** The language the portal is written in now. */
export function language() {
  return current;
}

/** Whether the catalogues have a text for `key`. */
export function has(key) {
  return en[key] !== undefined;
}

/**
 * The text of `key` in the current language, its `{name}` placeholders
 * filled from `vars`; a text made for counts takes the form `vars.count`
 * asks for (and writes the count as the language writes numbers). A value
 * that is markup (a link) makes the answer a list of strings and markup,
 * which a template renders as it is; otherwise the answer is a string.
 * A key no catalogue has answers itself, to be seen and fixed.
 */
export function t(key, vars = {}) {
  let text = CATALOGUES[current][key];
  if (text === undefined) text = en[key];
  if (text === undefined) return key;
  if (typeof text === 'object') {
    const count = Number(vars.count);
    text = text[plurals.select(count)] ?? text.other;
  }
  const pieces = text.split(/\{(\w+)\}/);
  let markup = false;
  const filled = pieces.map((piece, i) => {
    if (i % 2 === 0) return piece;
    if (!(piece in vars)) return `{${piece}}`;
    const value = vars[piece];
    if (value === null || value === undefined) return '';
    if (piece === 'count' && typeof value === 'number') return numbers.format(value);
    if (typeof value === 'object') {
      markup = true;
      return value;
    }
    return String(value);
  });
  return markup ? filled.filter((p) => p !== '') : filled.join('');
}

/**
 * An API enum's value as words: `group.VALUE` in the catalogues
 * (`payoutStatus.PAID`), else the value spelled out (`Some value`).
 */
export function term(group, value) {
  if (value === null || value === undefined) return '';
  const key = `${group}.${value}`;
  return has(key) ? t(key) : spaced(value);
}

/**
 * The language of the ones `offered` that the browser asks for first
 * (`navigator.languages`, a region ignored: `fr-CH` is `fr`), or null.
 */
export function browserLanguage(offered) {
  const asked = (typeof navigator !== 'undefined' && (navigator.languages || [navigator.language])) || [];
  for (const tag of asked) {
    const code = String(tag || '').toLowerCase().split('-')[0];
    if (offered.includes(code)) return code;
  }
  return null;
}
