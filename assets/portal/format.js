// Figures as the partner reads them: money in its currency's format and
// dates in the browser's language, by the browser's own Intl. Amounts stay
// the API's decimal strings: Intl formats a decimal string exactly.

const moneyFormats = new Map();

/** `"1234.50"`, `"USD"` → `$1,234.50` (in the browser's language). */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format.format(amount);
}

const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const month = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

/** An RFC 3339 instant as a day. */
export function date(at) {
  return at ? day.format(new Date(at)) : '—';
}

/** An interval's start as its month (`Nov 2026`). */
export function monthOf(at) {
  return month.format(new Date(at));
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
  return { PAYPAL: 'PayPal', BANK_TRANSFER: 'Bank transfer' }[type] || words(type);
}

/** A status or kind as words (`BELOW_MINIMUM` → `Below minimum`). */
export function words(value) {
  if (!value) return '';
  const text = value.toLowerCase().replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
