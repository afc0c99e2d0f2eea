// Links: the partner's short links on the program's domain — each to copy,
// its QR code to download — a new one, and what the last 30 days of clicks
// tell: a day's clicks, top countries, devices and referrers, and the
// clicks the program does not count (SPEC §37), by why.
import { html, useState } from './lib.js';
import { Copy } from './page-codes.js';
import { download, gql } from './api.js';
import { calendarDay, calendarDayMonth, zone } from './zone.js';
import { Failure, Field, Loading, Outcome, Page, Section, TableWrap, useQuery, useSubmit } from './ui.js';
import { t } from './words.js';

const DAYS = 30;

const LINKS = `query Links($from: Date!, $to: Date!) {
  viewer {
    partner {
      id
      links(first: 100) { nodes { id key shortUrl url clicks ignoredClicks createdAt archivedAt } }
      days: linkStats(from: $from, to: $to, by: DAY) { value clicks }
      countries: linkStats(from: $from, to: $to, by: COUNTRY) { value clicks }
      devices: linkStats(from: $from, to: $to, by: DEVICE) { value clicks }
      referrers: linkStats(from: $from, to: $to, by: REFERRER) { value clicks }
      ignored: linkStats(from: $from, to: $to, by: IGNORED) { value clicks }
    }
  }
}`;

const CREATE = `mutation NewLink($input: CreatePartnerLinkInput!) {
  createPartnerLink(input: $input) { id key shortUrl }
}`;

/** Today in the program's time zone, and the day `DAYS - 1` before it. */
function lastDays() {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone() || 'UTC' }).format(new Date());
  const [y, m, d] = today.split('-').map(Number);
  const first = new Date(Date.UTC(y, m - 1, d - (DAYS - 1))).toISOString().slice(0, 10);
  return { from: first, to: today };
}

/** A day's clicks as bars, and the same numbers as a table. */
function ClickChart({ days }) {
  const width = 640;
  const height = 180;
  const base = height - 24;
  const highest = Math.max(1, ...days.map((d) => d.clicks));
  const slot = width / Math.max(1, days.length);
  const title = t('links.chart', { count: DAYS });
  return html`
    <figure class="chart">
      <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-labelledby="clicks-title" focusable="false">
        <title id="clicks-title">${title}</title>
        <line x1="0" x2=${width} y1=${base} y2=${base} class="axis" />
        ${days.map((d, i) => {
          const h = (d.clicks / highest) * (base - 12);
          return html`<g>
            <rect x=${i * slot + slot * 0.15} y=${base - h} width=${slot * 0.7} height=${Math.max(h, d.clicks ? 1 : 0)} class="bar" />
            ${i % 5 === 0 && html`<text x=${i * slot + slot / 2} y=${height - 6} text-anchor="middle" class="tick">${calendarDayMonth(d.value)}</text>`}
          </g>`;
        })}
      </svg>
      <figcaption class="visually-hidden">${title}</figcaption>
    </figure>
    <details>
      <summary>${t('links.byDay')}</summary>
      <${TableWrap} label=${t('links.byDay')}>
        <table class="figures">
          <thead><tr><th scope="col">${t('links.day')}</th><th scope="col" class="num">${t('column.clicks')}</th></tr></thead>
          <tbody>${days.map((d) => html`<tr><th scope="row">${calendarDay(d.value)}</th><td class="num" data-figure=${`day.${d.value}`}>${d.clicks}</td></tr>`)}</tbody>
        </table>
      <//>
    </details>`;
}

/** The first five values of a dimension, with their clicks. */
function Top({ title, rows, name, credit }) {
  return html`
    <div class="top">
      <h3>${title}</h3>
      ${rows.length === 0 ? html`<p class="muted">${t('links.noClicks')}</p>` : html`
        <ol class="plain">
          ${rows.slice(0, 5).map((r) => html`<li><span>${r.value}</span> <strong data-figure=${`${name}.${r.value}`}>${r.clicks}</strong></li>`)}
        </ol>`}
      ${credit}
    </div>`;
}

/** Clicks the program does not count (SPEC §37), by why: shown only when there are some. */
function Ignored({ rows }) {
  if (rows.length === 0) return null;
  return html`
    <div class="top">
      <h3>${t('links.ignored')}</h3>
      <p class="muted small">${t('links.ignoredWhy')}</p>
      <ul class="plain">
        ${rows.map((r) => html`<li><span>${t(`links.ignored.${r.value}`)}</span> <strong data-figure=${`ignored.${r.value}`}>${r.clicks}</strong></li>`)}
      </ul>
    </div>`;
}

export function Links() {
  const [range] = useState(lastDays);
  const { data, error, loading, reload } = useQuery(LINKS, range);
  const partner = data && data.viewer.partner;
  const [qrError, setQrError] = useState(null);
  const [busy, outcome, fieldError, submit] = useSubmit(async (form) => {
    const input = {};
    if (form.get('key')) input.key = form.get('key');
    if (form.get('url')) input.url = form.get('url');
    const created = await gql(CREATE, { input });
    reload();
    return created.createPartnerLink;
  }, (link) => t('links.ready', { url: link.shortUrl }));
  const links = partner ? partner.links.nodes.filter((l) => !l.archivedAt) : [];
  const qr = async (link) => {
    setQrError(null);
    try {
      await download(`/qr/${encodeURIComponent(link.id)}.png?size=1000`, `${link.key}-qr.png`);
    } catch (e) {
      setQrError(e.message);
    }
  };
  // The data's licence asks for its credit in these words.
  const credit = html`<p class="muted small">${t('links.countries')} <a href="https://db-ip.com" lang="en">IP Geolocation by DB-IP</a></p>`;
  return html`
    <${Page} title=${t('nav.links')} intro=${t('links.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${partner && links.length === 0 && html`<p class="empty">${t('links.none')}</p>`}
      ${qrError && html`<p class="notice error" role="alert">${qrError}</p>`}
      ${links.length > 0 && html`
        <${TableWrap} label=${t('links.yours')}>
          <table>
            <thead><tr><th scope="col">${t('column.link')}</th><th scope="col">${t('links.leadsTo')}</th><th scope="col" class="num">${t('column.clicks')}</th><th scope="col" class="num">${t('links.ignored')}</th><th scope="col">${t('links.qr')}</th></tr></thead>
            <tbody>
              ${links.map((l) => html`
                <tr data-link=${l.key}>
                  <td class="link-cell"><code data-figure=${`link.${l.key}.url`}>${l.shortUrl}</code> <${Copy} text=${l.shortUrl} label=${t('links.copyWhat', { key: l.key })} /></td>
                  <td>${l.url || html`<span class="muted">${t('links.programPage')}</span>`}</td>
                  <td class="num" data-figure=${`link.${l.key}.clicks`}>${l.clicks}</td>
                  <td class="num" data-figure=${`link.${l.key}.ignored`}>${l.ignoredClicks}</td>
                  <td><button type="button" class="secondary small" onClick=${() => qr(l)} aria-label=${t('links.downloadQr', { key: l.key })}>${t('links.download')}</button></td>
                </tr>`)}
            </tbody>
          </table>
        <//>`}
      ${partner && html`
        <${Section} title=${t('links.lastDays', { count: DAYS })} id="clicks-title-section">
          <${ClickChart} days=${partner.days} />
          <div class="tops">
            <${Top} title=${t('links.topCountries')} rows=${partner.countries} name="country" credit=${credit} />
            <${Top} title=${t('links.devices')} rows=${partner.devices} name="device" />
            <${Top} title=${t('links.referrers')} rows=${partner.referrers} name="referrer" />
            <${Ignored} rows=${partner.ignored} />
          </div>
        <//>
        <${Section} title=${t('links.new')} id="new-link-title">
          <form onSubmit=${submit} class="stack">
            <${Field} id="link-key" label=${t('links.key')} hint=${t('links.keyHint')}
                      error=${fieldError('key')}>
              ${(a) => html`<input name="key" autocomplete="off" spellcheck="false" ...${a} />`}
            <//>
            <${Field} id="link-url" label=${t('links.url')} hint=${t('links.urlHint')}
                      error=${fieldError('url')}>
              ${(a) => html`<input name="url" type="url" inputmode="url" autocomplete="off" ...${a} />`}
            <//>
            <button type="submit" disabled=${busy}>${t('links.create')}</button>
            <${Outcome} outcome=${outcome} />
          </form>
        <//>`}
    <//>`;
}
