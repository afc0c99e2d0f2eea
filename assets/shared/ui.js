// The pieces every page is made of: a page with its heading, loading and
// failure states, form fields that name their errors, money that carries
// its exact figure, a bar chart with its numbers as a table.
import { html, useCallback, useEffect, useState } from './lib.js';
import { gql } from './api.js';
import { linkParts, money } from './format.js';

// What the pieces say themselves: English, unless the app gives its own
// words (the portal's are in its reader's language; the console's stay
// English). `ui.appName` null: the name the document gives.
const ENGLISH = {
  'ui.appName': null,
  'ui.loading': 'Loading…',
  'ui.notFound': 'No {what} here: it does not exist, or it is not yours.',
  'ui.table': '{label}, table',
  'ui.month': 'Month',
  'ui.earned': 'Earned',
};

let say = (key, vars = {}) => {
  const text = ENGLISH[key];
  return text && text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
};

/**
 * Has the pieces speak with `words(key, vars)` (the keys of `ENGLISH`
 * above): the app's own catalogue, in its reader's language.
 */
export function setWords(words) {
  say = words;
}

/** The app's name, as its words or its document name it (`Partner portal`, `Console`). */
export function appName() {
  const named = say('ui.appName');
  if (named) return named;
  const meta = document.querySelector('meta[name="application-name"]');
  return meta ? meta.content : document.title;
}

/** A page: its heading takes the focus when the page opens. */
export function Page({ title, intro, children }) {
  useEffect(() => {
    document.title = `${title} · ${appName()}`;
    const heading = document.getElementById('page-title');
    if (heading) heading.focus();
  }, [title]);
  return html`
    <section class="page" aria-labelledby="page-title">
      <h1 id="page-title" tabindex="-1">${title}</h1>
      ${intro && html`<p class="intro">${intro}</p>`}
      ${children}
    </section>`;
}

/** A section of a page, with its own heading. */
export function Section({ title, id, children, actions }) {
  return html`
    <section class="card" aria-labelledby=${id}>
      <div class="card-head">
        <h2 id=${id}>${title}</h2>
        ${actions}
      </div>
      ${children}
    </section>`;
}

/** Runs a query when its variables change: `{ data, error, loading, reload }`. */
export function useQuery(query, variables = {}, run = gql) {
  const key = JSON.stringify(variables);
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    run(query, JSON.parse(key))
      .then((data) => live && setState({ loading: false, data, error: null }))
      .catch((error) => live && setState({ loading: false, data: null, error }));
    return () => {
      live = false;
    };
  }, [query, key, round, run]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

export function Loading() {
  return html`<p class="loading" role="status">${say('ui.loading')}</p>`;
}

/** What went wrong, said to screen readers at once. */
export function Failure({ error }) {
  return html`<p class="notice error" role="alert">${error.message}</p>`;
}

/**
 * What a page says for an id that names nothing this partner may see
 * (`message`: the whole sentence, else one made of `what`).
 */
export function NotFound({ what, message, back, backLabel }) {
  return html`
    <div class="notice error" role="alert" data-state="not-found">
      <p>${message || say('ui.notFound', { what })}</p>
      <p><a href=${back}>${backLabel}</a></p>
    </div>`;
}

/** The outcome of a form: done, or why not. */
export function Outcome({ outcome }) {
  if (!outcome) return null;
  return outcome.error
    ? html`<p class="notice error" role="alert">${outcome.error.message}</p>`
    : html`<p class="notice ok" role="status">${outcome.done}</p>`;
}

/** A labelled field; the API's error for it is shown and announced. */
export function Field({ id, label, hint, error, children }) {
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return html`
    <div class=${`field${error ? ' invalid' : ''}`}>
      <label for=${id}>${label}</label>
      ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
      ${children({ id, 'aria-describedby': described, 'aria-invalid': error ? 'true' : undefined })}
      ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
    </div>`;
}

/**
 * Submits a form: `run(values, form)` does the write; answers `[busy, outcome,
 * fieldError(name), submit]`. An error naming an input field is shown at
 * that field.
 */
export function useSubmit(run, done) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setOutcome(null);
    try {
      const result = await run(new FormData(event.target), event.target);
      setOutcome({ done: typeof done === 'function' ? done(result) : done });
    } catch (error) {
      setOutcome({ error });
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (name) => {
    const error = outcome && outcome.error;
    if (!error || !error.field) return null;
    return error.field === name || error.field.endsWith(`.${name}`) ? error.message : null;
  };
  return [busy, outcome, fieldError, submit];
}

/** An amount in its currency, carrying the API's exact figure. */
export function Money({ amount, currency, figure }) {
  return html`<span class="money" data-figure=${figure} data-amount=${amount} data-currency=${currency}>${money(amount, currency)}</span>`;
}

/**
 * Plain text someone wrote (a message's body): never read as HTML, its
 * line breaks kept, each http(s) address in it a link.
 */
export function PlainText({ text, tag = 'div' }) {
  const Tag = tag;
  return html`<${Tag} class="plain-text">${linkParts(text).map((p) => (p.href
    ? html`<a href=${p.href} rel="noopener noreferrer" target="_blank">${p.text}</a>`
    : p.text))}<//>`;
}

/**
 * A table that scrolls on its own on narrow screens: a region a keyboard
 * can reach to scroll, named apart from the page it is on.
 */
export function TableWrap({ label, children }) {
  return html`<div class="table-wrap" role="region" aria-label=${say('ui.table', { label })} tabindex="0">${children}</div>`;
}

/** A status as a badge (`label`: its words, if not the value's own). */
export function Badge({ value, tone, label }) {
  const text = label || (value || '').replace(/_/g, ' ').toLowerCase();
  return html`<span class=${`badge ${tone || (value || '').toLowerCase()}`}>${text}</span>`;
}

/**
 * Bars of `points` ({ label, amount }) in `currency`: the picture for the
 * eye, its numbers as the table under it for everyone.
 */
export function BarChart({ id, title, points, currency, unit = say('ui.month') }) {
  const width = 640;
  const height = 220;
  const top = 16;
  const bottom = 28;
  const values = points.map((p) => Number(p.amount));
  const highest = Math.max(1, ...values.map((v) => Math.abs(v)));
  const slot = width / Math.max(1, points.length);
  const bar = Math.min(56, slot * 0.6);
  const scale = (height - top - bottom) / highest;
  const base = height - bottom;
  return html`
    <figure class="chart">
      <svg viewBox=${`0 0 ${width} ${height}`} role="img" aria-labelledby=${`${id}-title`} focusable="false">
        <title id=${`${id}-title`}>${title}</title>
        <line x1="0" x2=${width} y1=${base} y2=${base} class="axis" />
        ${points.map((p, i) => {
          const value = values[i];
          const h = Math.abs(value) * scale;
          const x = i * slot + (slot - bar) / 2;
          const y = value >= 0 ? base - h : base;
          return html`
            <g>
              <rect x=${x} y=${y} width=${bar} height=${Math.max(h, value ? 1 : 0)} class=${value < 0 ? 'bar negative' : 'bar'} />
              <text x=${x + bar / 2} y=${height - 8} text-anchor="middle" class="tick">${p.label}</text>
            </g>`;
        })}
      </svg>
      <figcaption class="visually-hidden">${title}</figcaption>
    </figure>
    <${TableWrap} label=${title}>
      <table class="figures">
        <caption class="visually-hidden">${title}</caption>
        <thead><tr><th scope="col">${unit}</th><th scope="col" class="num">${say('ui.earned')}</th></tr></thead>
        <tbody>
          ${points.map((p) => html`
            <tr>
              <th scope="row">${p.label}</th>
              <td class="num"><${Money} amount=${p.amount} currency=${currency} figure=${p.figure} /></td>
            </tr>`)}
        </tbody>
      </table>
    <//>`;
}
