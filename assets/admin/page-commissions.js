// Commissions: the program's ledger, filtered by status, partner and the
// days they accrued (in the program's time zone; kept in the address).
// Pending ones are approved a selection at a time, or reversed one by
// one with a reason; each row opens its breakdown.
import { html, useEffect, useState } from './lib.js';
import { gql } from './api.js';
import { money, words } from './format.js';
import { Badge, Field, Money, Outcome, Page, TableWrap } from './ui.js';
import { Done, Paged, PartnerPicker, ReasonForm, Reveal, Writable, day, dayStart, formParams, useForm, useParams, usePaged, writable } from './parts.js';

const COMMISSIONS = `query Commissions($status: CommissionStatus, $partnerId: ID, $from: DateTime, $to: DateTime, $after: String) {
  commissions(status: $status, partnerId: $partnerId, accruedFrom: $from, accruedTo: $to, orderBy: ACCRUED_AT_DESC, first: 50, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes {
      id kind status amount currency accruedAt matureAt onHold reversalReason reversalNote payoutId
      partner { id name }
      campaign { name }
      event { externalId amount currency }
      breakdown { vocabulary type description percentage planLabel value amount }
    }
  }
}`;

const APPROVE = `mutation Approve($ids: [ID!]!) { approveCommissions(ids: $ids) { id status approvedAt } }`;

const REVERSE = `mutation Reverse($input: ReverseCommissionInput!) { reverseCommission(input: $input) { id status reversedAt } }`;

const STATUSES = [['', 'Every status'], ['ACCRUED', 'Pending approval'], ['APPROVED', 'Approved'], ['PAID', 'Paid'], ['REVERSED', 'Reversed']];

const REASONS = [['REFUND', 'Refund'], ['CHARGEBACK', 'Chargeback'], ['FRAUD', 'Fraud'], ['OTHER', 'Other']];

/** A pending commission no fraud flag holds: it may be approved. */
const approvable = (c) => c.status === 'ACCRUED' && !c.onHold;

export function Commissions() {
  const [params, setParams] = useParams();
  const variables = {
    status: params.status || null,
    partnerId: params.partner || null,
    from: dayStart(params.from),
    to: dayStart(params.to, true),
  };
  const paged = usePaged(COMMISSIONS, variables, (d) => d.commissions);
  const [selected, setSelected] = useState(new Set());
  const [done, setDone] = useState(null);
  // A selection is of the rows shown: new filters or a write clear it.
  useEffect(() => setSelected(new Set()), [JSON.stringify(variables)]);
  const changed = (message) => {
    setDone(message);
    setSelected(new Set());
    paged.reload();
  };
  const apply = (event) => {
    event.preventDefault();
    const next = formParams(event.target);
    setParams({ status: next.status, partner: next.partnerId, from: next.from, to: next.to });
  };
  return html`
    <${Page} title="Commissions" intro="The program's ledger. Approve pending commissions, or reverse one with a reason.">
      <form class="filters" onSubmit=${apply} aria-label="Filter commissions" key=${JSON.stringify(params)}>
        <${Field} id="commissions-status" label="Status">
          ${(a) => html`<select name="status" ...${a}>${STATUSES.map(([v, l]) => html`<option value=${v} selected=${(params.status || '') === v}>${l}</option>`)}</select>`}
        <//>
        <${PartnerPicker} id="commissions-partner" value=${params.partner} />
        <${Field} id="commissions-from" label="Accrued from">${(a) => html`<input type="date" name="from" defaultValue=${params.from || ''} ...${a} />`}<//>
        <${Field} id="commissions-to" label="Accrued to (included)">${(a) => html`<input type="date" name="to" defaultValue=${params.to || ''} ...${a} />`}<//>
        <button type="submit">Apply</button>
        ${Object.keys(params).length > 0 && html`<button type="button" class="secondary" onClick=${() => setParams({})}>Clear</button>`}
      </form>
      <${Done} message=${done} />
      <${Writable}><${ApproveSelected} selected=${selected} changed=${changed} /><//>
      <${Paged} paged=${paged} what=${['commission', 'commissions']} empty="No commission matches.">
        <${Ledger} rows=${paged.nodes} selected=${selected} setSelected=${setSelected} changed=${changed} />
      <//>
    <//>`;
}

function ApproveSelected({ selected, changed }) {
  const [busy, outcome, , submit] = useForm(async () => {
    const approved = await gql(APPROVE, { ids: [...selected] });
    changed(`${approved.approveCommissions.length} ${approved.approveCommissions.length === 1 ? 'commission is' : 'commissions are'} approved.`);
  }, 'Done.');
  return html`
    <form class="bulk" onSubmit=${submit} aria-label="Approve the selected commissions">
      <button type="submit" disabled=${busy || selected.size === 0} data-state="approve-selected">
        Approve selected (${selected.size})
      </button>
      <span class="hint">Tick pending commissions below (up to 500 at once).</span>
      ${outcome && outcome.error && html`<${Outcome} outcome=${outcome} />`}
    </form>`;
}

function Ledger({ rows, selected, setSelected, changed }) {
  const candidates = rows.filter(approvable);
  const all = candidates.length > 0 && candidates.every((c) => selected.has(c.id));
  const toggleAll = () => setSelected(all ? new Set() : new Set(candidates.slice(0, 500).map((c) => c.id)));
  const toggle = (id) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  return html`
    <${TableWrap} label="Commissions">
      <table class="ledger">
        <thead>
          <tr>
            ${writable() && html`<th scope="col" class="check">
              <input type="checkbox" checked=${all} disabled=${candidates.length === 0} onChange=${toggleAll}
                     aria-label="Select every pending commission shown" />
            </th>`}
            <th scope="col">Accrued</th><th scope="col">Partner</th><th scope="col">Campaign / event</th><th scope="col">Kind</th>
            <th scope="col">Status</th><th scope="col" class="num">Amount</th><th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        ${rows.map((row) => html`<${Row} key=${row.id} row=${row} checked=${selected.has(row.id)} toggle=${toggle} changed=${changed} />`)}
      </table>
    <//>`;
}

function Row({ row, checked, toggle, changed }) {
  const [open, setOpen] = useState(false);
  const key = row.id.replace(/[^A-Za-z0-9_-]/g, '');
  const what = `${row.partner.name}, ${day(row.accruedAt)}, ${money(row.amount, row.currency)}`;
  return html`
    <tbody data-commission=${row.id}>
      <tr>
        ${writable() && html`<td class="check">
          ${approvable(row) && html`<input type="checkbox" checked=${checked} onChange=${() => toggle(row.id)} aria-label=${`Select the commission of ${what}`} />`}
        </td>`}
        <td>${day(row.accruedAt)}${row.status === 'ACCRUED' && row.matureAt && html`<span class="muted block">Matures ${day(row.matureAt)}</span>`}</td>
        <td><a href=${`#/partners/${encodeURIComponent(row.partner.id)}`}>${row.partner.name}</a></td>
        <td>${row.campaign.name}<span class="muted block">${row.event.externalId}</span></td>
        <td>${words(row.kind)}</td>
        <td>
          <${Badge} value=${row.status} />${row.onHold && html` <${Badge} value="HOLD" tone="failed" label="on hold" />`}
          ${row.payoutId && html`<span class="muted block">In a payout</span>`}
          ${row.reversalReason && html`<span class="muted block">${words(row.reversalReason)}${row.reversalNote && `: ${row.reversalNote}`}</span>`}
        </td>
        <td class="num"><${Money} amount=${row.amount} currency=${row.currency} figure=${`commission.${row.id}.amount`} /></td>
        <td class="row-actions">
          <button type="button" class="link" aria-expanded=${open ? 'true' : 'false'} aria-controls=${`breakdown-${key}`}
                  onClick=${() => setOpen(!open)}>${open ? 'Hide' : 'Breakdown'}<span class="visually-hidden"> of the commission of ${what}</span></button>
          ${row.status === 'ACCRUED' && html`<${Writable}><${Reverse} row=${row} what=${what} changed=${changed} /><//>`}
        </td>
      </tr>
      <tr id=${`breakdown-${key}`} hidden=${!open} class="breakdown">
        <td colspan=${writable() ? 8 : 7}>
          <p>On ${row.event.externalId} of ${money(row.event.amount, row.event.currency)}:</p>
          <ul>
            ${row.breakdown.map((line) => html`
              <li>${line.description || line.planLabel || words(line.type || line.vocabulary)}
                ${line.percentage && ` · ${line.percentage} %`}${line.value && ` · ${line.value}`}: ${money(line.amount, row.currency)}</li>`)}
          </ul>
        </td>
      </tr>
    </tbody>`;
}

function Reverse({ row, what, changed }) {
  const key = row.id.replace(/[^A-Za-z0-9_-]/g, '');
  const reverse = async (form) => {
    const input = { id: row.id, reason: form.get('reason') };
    if (form.get('note')) input.note = form.get('note');
    await gql(REVERSE, { input });
  };
  return html`
    <${Reveal} id=${`reverse-${key}`} label="Reverse…">${() => html`
      <${ReasonForm} id=${`reverse-note-${key}`} name="note" label="Note (optional)" required=${false} submit=${`Reverse the commission of ${what}`}
                     run=${reverse} onDone=${() => changed(`The commission of ${what} is reversed.`)}
                     extra=${(fieldError) => html`
                       <${Field} id=${`reverse-reason-${key}`} label="Reason" error=${fieldError('reason')}>
                         ${(a) => html`<select name="reason" ...${a}>${REASONS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>`}
                       <//>`} />`}
    <//>`;
}
