// Fraud: the review queue. Each flag says what was seen, whom it
// concerns and the money it holds; a reviewer dismisses it (the money
// is released) or confirms it (the money is taken back, and perhaps the
// partner suspended), with a note kept on the flag.
import { html, useState } from './lib.js';
import { gql } from './api.js';
import { add, words } from './format.js';
import { Badge, Field, Money, Page, TableWrap } from './ui.js';
import { Done, Paged, ReasonForm, Reveal, Writable, day, formParams, tone, useParams, usePaged } from './parts.js';

const FLAGS = `query Flags($status: FraudFlagStatus, $signal: FraudSignal, $after: String) {
  fraudFlags(status: $status, signal: $signal, first: 20, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes {
      id signal action status details createdAt decidedAt decidedBy note
      partner { id name email status }
      customer { externalId email }
      commissions { id kind status amount currency accruedAt onHold payoutId }
    }
  }
}`;

const RESOLVE = `mutation Resolve($input: ResolveFraudFlagInput!) {
  resolveFraudFlag(input: $input) { id status decidedAt decidedBy }
}`;

const STATUSES = [['OPEN', 'Open'], ['DISMISSED', 'Dismissed'], ['CONFIRMED', 'Confirmed'], ['', 'Every status']];

const SIGNALS = ['SELF_REFERRAL_IP', 'SELF_REFERRAL_EMAIL', 'DISPOSABLE_EMAIL', 'CLICK_SPAM', 'PAID_AD_CLICK', 'SHARED_PAYOUT_ACCOUNT', 'HIGH_REFUND_RATE'];

export function Fraud() {
  const [params, setParams] = useParams();
  const status = params.status === undefined ? 'OPEN' : params.status;
  const shown = status === 'ALL' ? '' : status;
  const paged = usePaged(FLAGS, { status: shown || null, signal: params.signal || null }, (d) => d.fraudFlags);
  const [done, setDone] = useState(null);
  const resolved = (message) => {
    setDone(message);
    paged.reload();
  };
  const apply = (event) => {
    event.preventDefault();
    const next = formParams(event.target);
    // "Every status" is kept as an empty status, apart from the default (open).
    setParams({ ...next, status: next.status || 'ALL' });
  };
  return html`
    <${Page} title="Fraud" intro="Flags the fraud signals raised, oldest first: what was seen and the money each holds. Dismiss one to release its money; confirm it to take the money back.">
      <form class="filters" onSubmit=${apply} aria-label="Filter flags">
        <${Field} id="fraud-status" label="Status">
          ${(a) => html`<select name="status" ...${a}>${STATUSES.map(([v, l]) => html`<option value=${v} selected=${shown === v}>${l}</option>`)}</select>`}
        <//>
        <${Field} id="fraud-signal" label="Signal">
          ${(a) => html`
            <select name="signal" ...${a}>
              <option value="">Every signal</option>
              ${SIGNALS.map((s) => html`<option value=${s} selected=${params.signal === s}>${words(s)}</option>`)}
            </select>`}
        <//>
        <button type="submit">Show</button>
      </form>
      <${Done} message=${done} />
      <${FlagList} paged=${paged} resolved=${resolved} />
    <//>`;
}

function FlagList({ paged, resolved }) {
  return html`
    <${Paged} paged=${paged} what=${['flag', 'flags']} empty="No flag here.">
      <ul class="plain-list">
        ${paged.nodes.map((f) => html`<${Flag} key=${f.id} flag=${f} resolved=${resolved} />`)}
      </ul>
    <//>`;
}

/** The money a flag holds, per currency. */
function held(flag) {
  const byCurrency = new Map();
  for (const c of flag.commissions.filter((x) => x.onHold)) {
    byCurrency.set(c.currency, add(byCurrency.get(c.currency) || '0', c.amount));
  }
  return [...byCurrency.entries()];
}

function Flag({ flag, resolved }) {
  const heading = `flag-${flag.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const money = held(flag);
  return html`
    <li class="card" data-flag=${flag.id}>
      <h2 id=${heading} class="flag-title">${words(flag.signal)}</h2>
      <p><${Badge} value=${flag.status} tone=${tone(flag.status)} /> <${Badge} value=${flag.action} tone=${tone(flag.action)} label=${flag.action === 'HOLD' ? 'holds money' : 'flag only'} />
        <span class="muted"> · raised ${day(flag.createdAt)}</span></p>
      <p class="evidence">${flag.details}</p>
      <dl class="facts">
        <div><dt>Partner</dt><dd><a href=${`#/partners/${encodeURIComponent(flag.partner.id)}`}>${flag.partner.name}</a> <span class="muted">(${words(flag.partner.status).toLowerCase()})</span></dd></div>
        ${flag.customer && html`<div><dt>Customer</dt><dd><code>${flag.customer.externalId}</code>${flag.customer.email && ` ${flag.customer.email}`}</dd></div>`}
        <div><dt>Money held</dt><dd>${money.length === 0
          ? 'None'
          : money.map(([currency, amount], i) => html`${i > 0 && ', '}<${Money} amount=${amount} currency=${currency} figure=${`fraud.${flag.id}.held.${currency}`} />`)}</dd></div>
        ${flag.decidedAt && html`<div><dt>Decided</dt><dd>${day(flag.decidedAt)} by ${flag.decidedBy}</dd></div>`}
        ${flag.note && html`<div><dt>Note</dt><dd>${flag.note}</dd></div>`}
      </dl>
      ${flag.commissions.length > 0 && html`<${Commissions} flag=${flag} />`}
      ${flag.status === 'OPEN' && html`<${Writable}><${Decide} flag=${flag} resolved=${resolved} /><//>`}
    </li>`;
}

function Commissions({ flag }) {
  return html`
    <${TableWrap} label=${`Commissions of the ${words(flag.signal).toLowerCase()} flag raised ${day(flag.createdAt)} on ${flag.partner.name}`}>
      <table>
        <thead><tr><th scope="col">Accrued</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col" class="num">Amount</th></tr></thead>
        <tbody>
          ${flag.commissions.map((c) => html`
            <tr data-commission=${c.id}>
              <td>${day(c.accruedAt)}</td>
              <td>${words(c.kind)}</td>
              <td><${Badge} value=${c.status} />${c.onHold && html` <${Badge} value="HOLD" tone="failed" label="held" />`}${c.payoutId && html` <span class="muted">in a payout</span>`}</td>
              <td class="num"><${Money} amount=${c.amount} currency=${c.currency} figure=${`commission.${c.id}.amount`} /></td>
            </tr>`)}
        </tbody>
      </table>
    <//>`;
}

function Decide({ flag, resolved }) {
  const key = flag.id.replace(/[^A-Za-z0-9_-]/g, '');
  const resolve = (decision) => async (form) => {
    await gql(RESOLVE, {
      input: { id: flag.id, decision, note: form.get('note'), suspendPartner: form.get('suspendPartner') === 'on' },
    });
  };
  return html`
    <div class="actions">
      <${Reveal} id=${`dismiss-${key}`} label="Dismiss…">${() => html`
        <${ReasonForm} id=${`dismiss-note-${key}`} name="note" label="Why it is dismissed" submit="Dismiss the flag" long
                       hint="Kept on the flag. What it holds is released."
                       run=${resolve('DISMISS')} onDone=${() => resolved(`The flag on ${flag.partner.name} is dismissed.`)} />`}
      <//>
      <${Reveal} id=${`confirm-${key}`} label="Confirm…">${() => html`
        <${ReasonForm} id=${`confirm-note-${key}`} name="note" label="Why it is confirmed" submit="Confirm the flag" long
                       hint="Kept on the flag and on the commissions reversed or clawed back."
                       extra=${(fieldError) => html`
                         <label class="choice"><input type="checkbox" name="suspendPartner" /> Suspend ${flag.partner.name} too</label>
                         ${fieldError('suspendPartner') && html`<p class="field-error">${fieldError('suspendPartner')}</p>`}`}
                       run=${resolve('CONFIRM')} onDone=${() => resolved(`The flag on ${flag.partner.name} is confirmed: its money is taken back.`)} />`}
      <//>
    </div>`;
}
