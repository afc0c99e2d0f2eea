// A conditional rule's condition (SPEC §32) as a form: a test of the line,
// the sale, the customer, the partner or the event's metadata, or `all`,
// `any` and `not` over others, nested as deep as wanted. The value edited is
// the API's `ConditionInput` itself; its JSON stays one click away.
import { html, useState } from './lib.js';
import { Field } from './ui.js';

/** What a test reads: `[subject, label, keyed]`. */
const SUBJECTS = [
  ['LINE_PRODUCT', "The line's product id"],
  ['LINE_PRICE', "The line's price id"],
  ['LINE_INTERVAL', "The line's plan interval"],
  ['LINE_AMOUNT', "The line's amount"],
  ['LINE_QUANTITY', "The line's quantity"],
  ['LINE_COUPON', "The line's coupon"],
  ['LINE_METADATA', "A field of the line's metadata", true],
  ['SALE_AMOUNT', "The sale's amount"],
  ['SALE_IS_FIRST', "The customer's first paid sale (true/false)"],
  ['CUSTOMER_MONTH', 'The customer month'],
  ['CUSTOMER_COUNTRY', "The customer's country"],
  ['CUSTOMER_ATTRIBUTE', 'A customer attribute', true],
  ['PARTNER_COUNTRY', "The partner's country"],
  ['PARTNER_TAG', 'A tag of the partner'],
  ['PARTNER_TYPE', "The partner's type"],
  ['PARTNER_CATEGORY', 'A category of the partner'],
  ['EVENT_METADATA', "A field of the event's metadata", true],
];

/** How a test compares: `[operator, label, takes]` — takes `value`, `values` or nothing. */
const OPERATORS = [
  ['EQ', 'is', 'value'],
  ['NE', 'is given and is not', 'value'],
  ['IN', 'is one of', 'values'],
  ['NOT_IN', 'is given and none of', 'values'],
  ['GT', 'is greater than', 'value'],
  ['GTE', 'is at least', 'value'],
  ['LT', 'is less than', 'value'],
  ['LTE', 'is at most', 'value'],
  ['STARTS_WITH', 'starts with', 'value'],
  ['ENDS_WITH', 'ends with', 'value'],
  ['CONTAINS', 'contains', 'value'],
  ['EXISTS', 'is given', null],
  ['NOT_EXISTS', 'is not given', null],
];

/** The condition a new conditional rule starts from: the plan's interval is YEAR. */
export const SAMPLE_WHEN = { test: { subject: 'LINE_INTERVAL', operator: 'EQ', value: 'YEAR' } };

const KINDS = [['test', 'A test'], ['all', 'All of'], ['any', 'Any of'], ['not', 'Not']];

function kindOf(node) {
  return ['all', 'any', 'not'].find((k) => node && node[k] !== undefined && node[k] !== null) || 'test';
}

/** A node turned into another kind, keeping what it can: a test becomes a group's first member. */
function turned(node, kind) {
  const from = kindOf(node);
  if (from === kind) return node;
  const members = from === 'all' || from === 'any' ? node[from] : [from === 'not' ? node.not : node];
  if (kind === 'all' || kind === 'any') return { [kind]: members.length ? members : [SAMPLE_WHEN] };
  if (kind === 'not') return { not: from === 'test' ? node : members[0] || SAMPLE_WHEN };
  const first = members.find((m) => kindOf(m) === 'test');
  return first || SAMPLE_WHEN;
}

/** A test with its operator changed: `values` and `value` follow what the operator takes. */
function withOperator(test, operator) {
  const takes = OPERATORS.find(([op]) => op === operator)[2];
  const { value, values, ...rest } = test;
  const next = { ...rest, operator };
  if (takes === 'value') next.value = value ?? (values && values[0]) ?? '';
  if (takes === 'values') next.values = values ?? (value ? [value] : []);
  return next;
}

/** A test with its subject changed: `key` only for the keyed subjects. */
function withSubject(test, subject) {
  const keyed = SUBJECTS.find(([s]) => s === subject)[2];
  const { key, ...rest } = test;
  return keyed ? { ...rest, subject, key: key ?? '' } : { ...rest, subject };
}

/** The condition editor: `value` a `ConditionInput`, `onChange(next)`; `error` shown beneath it. */
export function ConditionEditor({ id, value, onChange, error, disabled }) {
  const [text, setText] = useState(null);
  const json = JSON.stringify(value, null, 2);
  return html`
    <div class="condition-editor" data-condition>
      <${Node} id=${id} node=${value} onChange=${onChange} disabled=${disabled} depth=${0} />
      ${error && html`<p class="field-error" role="alert">${error}</p>`}
      <details>
        <summary>As JSON</summary>
        <${Field} id=${`${id}-json`} label="The condition as a ConditionInput" error=${text !== null && !parses(text) ? 'Not JSON yet: the form keeps the last that was.' : null}>
          ${(a) => html`<textarea class="code" rows="6" spellcheck="false" disabled=${disabled} value=${text ?? json}
            onInput=${(e) => {
              // Kept as typed while it is edited; the form follows each
              // version that parses, and the text its form once left.
              setText(e.target.value);
              try {
                onChange(JSON.parse(e.target.value));
              } catch {
                // Not JSON yet.
              }
            }}
            onBlur=${() => {
              try {
                if (text !== null) JSON.parse(text);
                setText(null);
              } catch {
                // Left as typed, its error shown.
              }
            }} ...${a}></textarea>`}
        <//>
      </details>
    </div>`;
}

function parses(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function Node({ id, node, onChange, onRemove, disabled, depth }) {
  const kind = kindOf(node);
  const kindField = html`
    <${Field} id=${`${id}-of`} label=${depth ? 'Holds when' : 'Pays the lines where'}>
      ${(a) => html`<select value=${kind} disabled=${disabled} onChange=${(e) => onChange(turned(node, e.target.value))} ...${a}>
        ${KINDS.map(([k, label]) => html`<option value=${k}>${label}</option>`)}</select>`}
    <//>`;
  const remove = onRemove && !disabled
    && html`<button type="button" class="secondary small" onClick=${onRemove}>Remove this ${kind === 'test' ? 'test' : 'group'}</button>`;
  if (kind === 'test') {
    return html`<div class="condition-node" data-node="test">${kindField}<${Test} id=${id} test=${node.test || {}} disabled=${disabled}
      onChange=${(test) => onChange({ test })} />${remove}</div>`;
  }
  if (kind === 'not') {
    return html`<fieldset class="condition-node" data-node="not"><legend>Not</legend>${kindField}
      <${Node} id=${`${id}-not`} node=${node.not} disabled=${disabled} depth=${depth + 1} onChange=${(not) => onChange({ not })} />${remove}</fieldset>`;
  }
  const members = node[kind];
  const set = (i, next) => onChange({ [kind]: members.map((m, j) => (j === i ? next : m)) });
  return html`
    <fieldset class="condition-node" data-node=${kind}>
      <legend>${kind === 'all' ? 'All of these' : 'Any of these'}</legend>
      ${kindField}
      <ol class="condition-members">
        ${members.map((member, i) => html`<li key=${i}>
          <${Node} id=${`${id}-${kind}-${i}`} node=${member} disabled=${disabled} depth=${depth + 1}
                   onChange=${(next) => set(i, next)}
                   onRemove=${members.length > 1 ? () => onChange({ [kind]: members.filter((_, j) => j !== i) }) : null} />
        </li>`)}
      </ol>
      ${!disabled && html`<button type="button" class="secondary small" onClick=${() => onChange({ [kind]: [...members, SAMPLE_WHEN] })}>Add a test</button>`}
      ${remove}
    </fieldset>`;
}

function Test({ id, test, onChange, disabled }) {
  const subject = SUBJECTS.find(([s]) => s === test.subject) || SUBJECTS[0];
  const operator = OPERATORS.find(([op]) => op === test.operator) || OPERATORS[0];
  return html`
    <div class="condition-test">
      <${Field} id=${`${id}-subject`} label="Subject">
        ${(a) => html`<select value=${subject[0]} disabled=${disabled} onChange=${(e) => onChange(withSubject(test, e.target.value))} ...${a}>
          ${SUBJECTS.map(([s, label]) => html`<option value=${s}>${label}</option>`)}</select>`}
      <//>
      ${subject[2] && html`<${Field} id=${`${id}-key`} label="Field">
        ${(a) => html`<input value=${test.key || ''} disabled=${disabled} autocomplete="off" onInput=${(e) => onChange({ ...test, key: e.target.value })} ...${a} />`}
      <//>`}
      <${Field} id=${`${id}-operator`} label="Operator">
        ${(a) => html`<select value=${operator[0]} disabled=${disabled} onChange=${(e) => onChange(withOperator(test, e.target.value))} ...${a}>
          ${OPERATORS.map(([op, label]) => html`<option value=${op}>${label}</option>`)}</select>`}
      <//>
      ${operator[2] === 'value' && html`<${Field} id=${`${id}-value`} label="Value">
        ${(a) => html`<input value=${test.value ?? ''} disabled=${disabled} autocomplete="off" onInput=${(e) => onChange({ ...test, value: e.target.value })} ...${a} />`}
      <//>`}
      ${operator[2] === 'values' && html`<${Values} id=${`${id}-values`} values=${test.values || []} disabled=${disabled}
        onChange=${(values) => onChange({ ...test, values })} />`}
    </div>`;
}

/** `IN`'s values, typed separated by commas (kept as typed while the list follows). */
function Values({ id, values, onChange, disabled }) {
  const [text, setText] = useState(null);
  return html`
    <${Field} id=${id} label="Values" hint="Separated by commas.">
      ${(a) => html`<input value=${text ?? values.join(', ')} disabled=${disabled} autocomplete="off"
        onInput=${(e) => {
          setText(e.target.value);
          onChange(e.target.value.split(',').map((v) => v.trim()).filter((v) => v !== ''));
        }} ...${a} />`}
    <//>`;
}
