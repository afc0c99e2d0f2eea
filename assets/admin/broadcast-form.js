// The form that makes a broadcast (SPEC §35): its subject and body, the
// audience (every condition given must hold, any of its values; no status
// given: active partners), and when it is sent (now, or at a time of the
// program's time zone).
import { html } from './lib.js';
import { gql } from './api.js';
import { Field, Outcome, Section } from './ui.js';
import { dayStart, dayTime, useForm, useTenant, zonedInstant } from './parts.js';
import { MAX_BODY } from './messages.js';

const CREATE = `mutation CreateBroadcast($input: CreateBroadcastInput!) {
  createBroadcast(input: $input) { id subject status sendAt recipients }
}`;

const STATUSES = [['ACTIVE', 'Active'], ['SUSPENDED', 'Suspended'], ['ARCHIVED', 'Archived']];

/** Comma-separated words as a list (empty ones dropped). */
export const commaList = (text) => String(text || '').split(',').map((s) => s.trim()).filter(Boolean);

/** The form's fields as a `CreateBroadcastInput`: empty conditions left out. */
function broadcastInput(form, currency) {
  const text = (name) => String(form.get(name) || '').trim();
  const audience = {};
  const lists = {
    groupIds: form.getAll('groupIds'),
    categoryIds: commaList(form.get('categoryIds')),
    tags: commaList(form.get('tags')),
    statuses: form.getAll('statuses'),
    countries: commaList(form.get('countries')).map((c) => c.toUpperCase()),
  };
  for (const [name, list] of Object.entries(lists)) if (list.length) audience[name] = list;
  if (text('earnedAmount')) audience.earnedAtLeast = { amount: text('earnedAmount'), currency: (text('earnedCurrency') || currency).toUpperCase() };
  if (text('earnedFrom')) audience.earnedFrom = dayStart(text('earnedFrom'));
  if (text('earnedTo')) audience.earnedTo = dayStart(text('earnedTo'), true);
  const input = { subject: text('subject'), body: String(form.get('body') || ''), audience };
  if (text('sendAt')) input.sendAt = zonedInstant(text('sendAt'));
  return input;
}

const FIELDS = ['subject', 'body', 'sendAt', 'audience.groupIds', 'audience.categoryIds', 'audience.tags', 'audience.statuses',
  'audience.countries', 'audience.earnedAtLeast', 'audience.earnedFrom', 'audience.earnedTo'];

/** `groups`: the program's groups (`useGroups`); `finished(message)` follows a broadcast made. */
export function BroadcastForm({ groups, finished }) {
  const tenant = useTenant();
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const made = (await gql(CREATE, { input: broadcastInput(form, tenant.currency) })).createBroadcast;
    finished(made.status === 'SCHEDULED'
      ? `\u201c${made.subject}\u201d is scheduled for ${dayTime(made.sendAt)}.`
      : `\u201c${made.subject}\u201d is on its way${made.recipients === null ? '' : ` to ${made.recipients} partners`}.`);
  }, 'Done.');
  const named = FIELDS.some((f) => fieldError(f));
  const input = (name, label, hint, attrs = {}, errorAt = name) => html`
    <${Field} id=${`broadcast-${name}`} label=${label} hint=${hint} error=${errorAt && fieldError(errorAt)}>
      ${(a) => html`<input name=${name} autocomplete="off" ...${attrs} ...${a} />`}
    <//>`;
  const listField = (name, label, hint) => html`
    <${Field} id=${`broadcast-${name}`} label=${label} hint=${hint} error=${fieldError(`audience.${name}`)}>
      ${(a) => html`<input name=${name} autocomplete="off" spellcheck="false" ...${a} />`}
    <//>`;
  const choices = (name, legend, options) => {
    const error = fieldError(`audience.${name}`);
    return html`
      <fieldset aria-describedby=${error ? `broadcast-${name}-error` : undefined}>
        <legend>${legend}</legend>
        ${!options && html`<p class="hint">Loading…</p>`}
        ${options && options.length === 0 && html`<p class="hint">None yet.</p>`}
        ${(options || []).map(([value, label]) => html`
          <label class="choice"><input type="checkbox" name=${name} value=${value} /> ${label}</label>`)}
        ${error && html`<p class="field-error" id=${`broadcast-${name}-error`}>${error}</p>`}
      </fieldset>`;
  };
  return html`
    <${Section} title="New broadcast" id="broadcast-editor" actions=${html`<a href="#/broadcasts">Close<span class="visually-hidden"> the form</span></a>`}>
      <form class="stack" onSubmit=${submit}>
        ${input('subject', 'Subject', null, { required: true })}
        <${Field} id="broadcast-body" label="Message" error=${fieldError('body')}
                  hint="Plain text, at most 10,000 characters. Addresses starting http:// or https:// become links.">
          ${(a) => html`<textarea name="body" rows="6" maxlength=${MAX_BODY} required ...${a}></textarea>`}
        <//>
        <fieldset class="stack">
          <legend>Who receives it</legend>
          <p class="hint">A partner receives it when it matches every condition given (any of a condition’s values). With no status ticked, active partners only; with no condition at all, every active partner. The audience is found when it is sent.</p>
          ${choices('groupIds', 'In one of these groups', groups && groups.map((g) => [g.id, g.name]))}
          ${listField('categoryIds', 'In one of these categories (ids)', 'Category ids, separated by commas.')}
          ${listField('tags', 'With one of these tags', 'Separated by commas.')}
          ${choices('statuses', 'With one of these statuses (none ticked: active)', STATUSES)}
          ${listField('countries', 'In one of these countries', 'Two-letter codes (US, DE), separated by commas.')}
          <div class="picker">
            ${input('earnedAmount', 'Earned at least (amount)', 'Empty: no minimum.', { inputmode: 'decimal' }, 'audience.earnedAtLeast')}
            ${input('earnedCurrency', 'Currency', `Three letters; empty: ${tenant.currency}.`, { maxlength: 3 }, null)}
          </div>
          <div class="picker">
            ${input('earnedFrom', 'Earned from (day)', 'Empty: no start.', { type: 'date' }, 'audience.earnedFrom')}
            ${input('earnedTo', 'Earned through (day)', 'Empty: up to now.', { type: 'date' }, 'audience.earnedTo')}
          </div>
        </fieldset>
        ${input('sendAt', 'Send at (optional)', `Empty: sent now. A time in the program\u2019s time zone (${tenant.timeZone}).`, { type: 'datetime-local' })}
        <p><button type="submit" disabled=${busy}>Send the broadcast</button></p>
        ${outcome && outcome.error && !named && html`<${Outcome} outcome=${outcome} />`}
      </form>
    <//>`;
}
