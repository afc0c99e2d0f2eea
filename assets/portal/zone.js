// The program's time zone: every day the portal shows is a day of the
// tenant's calendar — as the console and the statements show it — whatever
// the zone the browser runs in. The shell loads it once, before any page.
import { date, dayMonth } from './format.js';

let current;

/** Remembers the tenant's IANA time zone (`viewer.tenant.timeZone`). */
export function setZone(timeZone) {
  current = timeZone;
}

/** The tenant's time zone. */
export function zone() {
  return current;
}

/** An instant as a day in the tenant's time zone. */
export function day(at) {
  return date(at, current);
}

/** A day the API gives as a date (`2026-03-06`), written as the language writes days. */
export function calendarDay(text) {
  return text ? date(`${text}T12:00:00Z`, 'UTC') : '—';
}

/** Such a day as its day and month alone (`3/6`, `6.3.`), for a chart's axis. */
export function calendarDayMonth(text) {
  return text ? dayMonth(`${text}T12:00:00Z`, 'UTC') : '—';
}

/** `{ year, month, day, hour, minute, second }` of an instant in the tenant's zone. */
function partsIn(at) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: current, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  return Object.fromEntries(format.formatToParts(at).filter((p) => p.type !== 'literal').map((p) => [p.type, Number(p.value)]));
}

/** How far the tenant's clock is ahead of UTC at an instant, in ms. */
function offset(at) {
  const p = partsIn(new Date(at));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(at / 1000) * 1000;
}

/**
 * A `YYYY-MM-DD` day as the instant it starts in the tenant's time zone
 * (`next`: the instant the day after starts, for an inclusive end).
 */
export function dayStart(text, next) {
  if (!text) return null;
  const [y, m, d] = text.split('-').map(Number);
  const local = Date.UTC(y, m - 1, d + (next ? 1 : 0));
  let at = local - offset(local);
  at = local - offset(at);
  return new Date(at).toISOString();
}
