// Figures as the reader reads them: money in its currency's format and
// dates in the app's language, by the browser's own Intl (CLDR's formats:
// `1.234,56 €` in German, `€1,234.56` in English). Amounts stay the API's
// decimal strings: Intl formats a decimal string exactly.

// The language figures are written in: the browser's own until an app
// names one (the portal names its partner's; the console never does).
let locale;

/** Writes figures in `code` (`de`, `fr`…); none: the browser's language. */
export function setLocale(code) {
  locale = code || undefined;
}

const moneyFormats = new Map();

/** `"1234.50"`, `"USD"` → `$1,234.50` (in the app's language). */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const key = `${locale || ''} ${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency });
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

const dateFormats = new Map();

/** A formatter of `options` in `timeZone` (the browser's when none), in `language` (the app's when none). */
function dates(options, timeZone, language = locale) {
  const key = JSON.stringify([options, timeZone, language]);
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language, { ...options, timeZone });
    dateFormats.set(key, format);
  }
  return format;
}

/** An RFC 3339 instant as a day, in `timeZone` (the browser's when none). */
export function date(at, timeZone) {
  return at ? dates({ dateStyle: 'medium' }, timeZone).format(new Date(at)) : '—';
}

/** An RFC 3339 instant as a day and a time of day, in `timeZone` (the browser's when none). */
export function dateTime(at, timeZone) {
  return at ? dates({ dateStyle: 'medium', timeStyle: 'short' }, timeZone).format(new Date(at)) : '—';
}

/** An RFC 3339 instant as its day and month alone (`3/10`, `10.3.`), in `timeZone`. */
export function dayMonth(at, timeZone) {
  return at ? dates({ day: 'numeric', month: 'numeric' }, timeZone).format(new Date(at)) : '—';
}

/** The last day before an interval's exclusive end (`periodEnd`), in `timeZone`. */
export function lastDay(end, timeZone) {
  return end ? date(Date.parse(end) - 1, timeZone) : '—';
}

/** A month interval's start (an instant in the tenant's time zone) as its month (`Nov 2026`). */
export function monthOf(at, timeZone) {
  return dates({ month: 'short', year: 'numeric' }, timeZone).format(new Date(at));
}

/**
 * The API's range for the last `count` months of the tenant's calendar,
 * this one included: `from` on the 15th of the first (which every time
 * zone holds in that month), `to` now.
 */
export function lastMonths(count, timeZone, now = new Date()) {
  // Read in Latin digits, whatever the language.
  const parts = Object.fromEntries(dates({ year: 'numeric', month: 'numeric' }, timeZone, 'en-US')
    .formatToParts(now).map((p) => [p.type, Number(p.value)]));
  const from = new Date(Date.UTC(parts.year, parts.month - count, 15, 12));
  return { from: from.toISOString(), to: now.toISOString() };
}

/** `"10.00"` + `"-2.50"` as exact decimal strings (cents as integers). */
export function add(...amounts) {
  const scale = Math.max(0, ...amounts.map((a) => (String(a).split('.')[1] || '').length));
  const total = amounts.reduce((sum, a) => sum + toUnits(String(a), scale), 0n);
  return fromUnits(total, scale);
}

function toUnits(text, scale) {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const units = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -units : units;
}

function fromUnits(units, scale) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/** A payout method's name. */
export function method(type) {
  return { PAYPAL: 'PayPal', BANK_TRANSFER: 'Bank transfer', STRIPE_CONNECT: 'Stripe', ACH: 'ACH (US bank)', WISE: 'Wise' }[type] || words(type);
}

/** A status or kind as words (`BELOW_MINIMUM` → `Below minimum`). */
export function words(value) {
  if (!value) return '';
  const text = value.toLowerCase().replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An http(s) address in plain text: up to a space or a character no address holds. */
const ADDRESS = /https?:\/\/[^\s<>"'`]+/gi;

/**
 * Plain text (a message's body) as its parts: `{ text }`, or `{ text,
 * href }` for an http(s) address in it. Punctuation closing a sentence
 * (`.`, `,`, an unopened `)`) stays text, not the address's.
 */
export function linkParts(text) {
  const parts = [];
  let last = 0;
  for (const found of String(text || '').matchAll(ADDRESS)) {
    let href = found[0];
    for (;;) {
      const end = href.slice(-1);
      const unopened = end === ')' && href.split('(').length < href.split(')').length;
      if (!/[.,;:!?\]]/.test(end) && !unopened) break;
      href = href.slice(0, -1);
    }
    if (!/^https?:\/\/[^/?#]/i.test(href)) continue;
    if (found.index > last) parts.push({ text: text.slice(last, found.index) });
    parts.push({ text: href, href });
    last = found.index + href.length;
  }
  if (last < String(text || '').length) parts.push({ text: String(text).slice(last) });
  return parts;
}
