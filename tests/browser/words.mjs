// The portal's catalogues hold every text in every language (SPEC §38):
//
//   node tests/browser/words.mjs
//
// Every catalogue (`assets/portal/words-XX.js`) has exactly the English
// one's keys, each text the shape the English one has (a string, or one
// text a plural category), and:
//
// - a text made for counts has exactly the CLDR plural categories its
//   language's rules use (`Intl.PluralRules(lang)`), none missing and none
//   the rules never pick;
// - each text has the English one's `{placeholders}`, no more, no fewer;
//   a count's form for a category other than `other` may spell the count
//   out (`one: 'last month'`) and leave `{count}` out;
// - every key the portal's sources name — `t('…')`, a quoted key of a
//   catalogue's groups, `term('group', …)`, the pieces' `say('…')` in
//   assets/shared/ui.js and the client's in client.js — is in English.
//
// Prints what it checked as one JSON line; names each language and key
// wrong and exits 1 otherwise. Needs no package: node alone.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const portal = join(root, 'assets', 'portal');
const shared = join(root, 'assets', 'shared');
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl'];
const problems = [];

/** A catalogue's texts, read as the browser reads the module (it imports nothing). */
async function catalogue(language) {
  const text = readFileSync(join(portal, `words-${language}.js`), 'utf8');
  const module = await import(`data:text/javascript;charset=utf-8,${encodeURIComponent(text)}`);
  return module.default;
}

/** The `{name}`s of a text. */
function placeholders(text) {
  return new Set([...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
}

const same = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));
const list = (set) => `{${[...set].sort().join('}, {')}}`;
const plural = (text) => text !== null && typeof text === 'object';

const catalogues = {};
for (const language of LANGUAGES) {
  try {
    catalogues[language] = await catalogue(language);
  } catch (error) {
    problems.push(`${language}: the catalogue words-${language}.js does not load: ${error.message}`);
  }
}
const en = catalogues.en || {};

// The catalogues on disk are the six, no more.
for (const file of readdirSync(portal).filter((f) => /^words-.+\.js$/.test(f))) {
  const language = file.slice(6, -3);
  if (!LANGUAGES.includes(language)) problems.push(`${language}: ${file} is not one of the portal's languages`);
}

let texts = 0;
for (const language of LANGUAGES) {
  const words = catalogues[language];
  if (!words) continue;
  const categories = new Set(new Intl.PluralRules(language).resolvedOptions().pluralCategories);
  for (const key of Object.keys(en)) {
    if (!(key in words)) problems.push(`${language}: ${key} is missing`);
  }
  for (const [key, text] of Object.entries(words)) {
    const english = en[key];
    if (english === undefined) {
      problems.push(`${language}: ${key} is not a key of the English catalogue`);
      continue;
    }
    if (plural(english) !== plural(text)) {
      problems.push(`${language}: ${key} is ${plural(text) ? 'a text for counts' : 'one text'}, the English one ${plural(english) ? 'a text for counts' : 'one text'}`);
      continue;
    }
    if (!plural(text)) {
      texts += 1;
      if (typeof text !== 'string' || !text.trim()) problems.push(`${language}: ${key} is empty`);
      else if (!same(placeholders(text), placeholders(english))) {
        problems.push(`${language}: ${key} has ${list(placeholders(text))}, the English text ${list(placeholders(english))}`);
      }
      continue;
    }
    const wanted = placeholders(english.other);
    for (const category of categories) {
      if (!(category in text)) problems.push(`${language}: ${key} has no form for "${category}"`);
    }
    for (const [category, form] of Object.entries(text)) {
      texts += 1;
      if (!categories.has(category)) {
        problems.push(`${language}: ${key} has a form for "${category}", which ${language}'s plural rules never pick`);
        continue;
      }
      if (typeof form !== 'string' || !form.trim()) {
        problems.push(`${language}: ${key}.${category} is empty`);
        continue;
      }
      const has = placeholders(form);
      const fewer = new Set([...wanted].filter((name) => name !== 'count' || category === 'other'));
      const fits = [...has].every((name) => wanted.has(name)) && [...fewer].every((name) => has.has(name));
      if (!fits) problems.push(`${language}: ${key}.${category} has ${list(has)}, the English text ${list(wanted)}`);
    }
  }
}

// Every key the sources name is in English.
const groups = new Set(Object.keys(en).map((key) => key.split('.')[0]));
const named = new Map();
const name = (key, where) => {
  if (!named.has(key)) named.set(key, where);
};
const sources = readdirSync(portal).filter((f) => f.endsWith('.js') && !f.startsWith('words-'));
for (const file of sources) {
  const text = readFileSync(join(portal, file), 'utf8');
  for (const [, key] of text.matchAll(/\bt\(\s*'([^']+)'/g)) name(key, file);
  for (const [, key] of text.matchAll(/'([a-zA-Z]+\.[A-Za-z0-9_.]+)'/g)) {
    if (groups.has(key.split('.')[0])) name(key, file);
  }
  for (const [, group] of text.matchAll(/\bterm\(\s*'([^']+)'/g)) {
    if (!Object.keys(en).some((key) => key.startsWith(`${group}.`))) problems.push(`en: ${file} names the words of "${group}", which has none`);
  }
  for (const [, start] of text.matchAll(/\bt\(\s*`([^`$]*)\$\{/g)) {
    if (start && !Object.keys(en).some((key) => key.startsWith(start))) problems.push(`en: ${file} names keys starting "${start}", and there are none`);
  }
}
for (const [, key] of readFileSync(join(shared, 'ui.js'), 'utf8').matchAll(/\bsay\(\s*'([^']+)'/g)) name(key, 'ui.js');
for (const [, key] of readFileSync(join(shared, 'client.js'), 'utf8').matchAll(/\bsay\(\s*'([^']+)'/g)) name(`client.${key}`, 'client.js');
for (const [key, file] of named) {
  if (en[key] === undefined) problems.push(`en: ${key} (named in ${file}) is missing`);
}

if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the portal's words`);
  process.exit(1);
}
console.log(JSON.stringify({ languages: LANGUAGES, keys: Object.keys(en).length, texts, named: named.size }));
