// Payouts: finance's month. What a run would pay (approved money no run
// has taken yet, and the approved commissions up to a day), the run made,
// and the runs so far. A run's page: its payouts and the partners it
// carried over, the files for the bank (SEPA) and PayPal, each payout
// marked paid or failed, each statement as a PDF — or the run sent by
// API (PayPal Payouts, Stripe Connect), each payout's rail status shown.
import { html, useState } from './lib.js';
import { download, gql } from './api.js';
import { method, words } from './format.js';
import { Badge, Failure, Field, Loading, Money, NotFound, Outcome, Page, Section, TableWrap, useQuery } from './ui.js';
import {
  Done, Paged, ReasonForm, Reveal, Writable, calendarDay, day, dayStart, endOfLastMonth, saveFile, today, tone,
  useForm, usePaged, useUnpaid,
} from './parts.js';

const APPROVED = `query ApprovedUpTo($to: DateTime, $after: String) {
  commissions(status: APPROVED, accruedTo: $to, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id kind amount currency accruedAt payoutId partner { id name } }
  }
}`;

const RUNS = `query Runs($after: String) {
  payoutRuns(first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id periodEnd currency status createdAt createdBy total { amount currency } payouts { id } skipped { reason } }
  }
}`;

const CREATE = `mutation CreateRun($input: CreatePayoutRunInput!) { createPayoutRun(input: $input) { id } }`;

const RUN = `query Run($id: ID!) {
  payoutRun(id: $id) {
    id periodEnd cutoff currency status createdBy createdAt
    total { amount currency }
    payouts {
      id amount currency status statementNumber statementUrl reference commissionCount paidAt failedAt failureReason
      rail railStatus railReference railError filedAs
      vat { amount } invoice { number pdfUrl xmlUrl objections { reason createdAt } } creditNotes { number pdfUrl xmlUrl }
      partner { id name }
      method { type paypalEmail iban stripeAccountId }
    }
    skipped { reason partner { id name } balance { amount currency } }
  }
  payoutRails { rail mode }
}`;

const SEND = `mutation Send($input: SendPayoutsInput!) { sendPayouts(input: $input) { id payouts { id railStatus } } }`;

const WITHDRAW = `mutation Withdraw($input: WithdrawPayoutRunFileInput!) { withdrawPayoutRunFile(input: $input) { id } }`;

// Each rail, the payout method it pays to and its button.
const RAILS = [
  ['PAYPAL_PAYOUTS', 'PAYPAL', 'Send with PayPal'],
  ['STRIPE_CONNECT', 'STRIPE_CONNECT', 'Send with Stripe'],
  ['WISE', 'WISE', 'Send with Wise'],
];

const FILE = `query RunFile($runId: ID!, $format: PayoutFileFormat!, $currency: String) {
  payoutRunFile(runId: $runId, format: $format, currency: $currency) {
    filename contentType content
    leftOut { reason payout { id statementNumber partner { name } } }
  }
}`;

const PAID = `mutation Paid($id: ID!, $reference: String!) { markPayoutPaid(id: $id, reference: $reference) { id status paidAt } }`;

const FAILED = `mutation Failed($id: ID!, $reason: String!) { markPayoutFailed(id: $id, reason: $reason) { id status failedAt } }`;

const SKIPPED = {
  BELOW_MINIMUM: 'Below the minimum payout',
  NEGATIVE_BALANCE: 'Negative balance: clawbacks to earn back',
  NOTHING_OWED: 'Nothing owed',
  NO_PAYOUT_METHOD: 'No payout method',
  TAX_PROFILE_NOT_APPROVED: 'Tax profile not approved',
};

export function Payouts() {
  const [periodEnd, setPeriodEnd] = useState(endOfLastMonth);
  return html`
    <${Page} title="Payouts" intro="A run pays every partner its approved commissions up to a day, once it reaches its minimum; then download the files, and mark each payout paid.">
      <${Preview} periodEnd=${periodEnd} setPeriodEnd=${setPeriodEnd} />
      <${Writable} note="an admin creates payout runs."><${CreateRun} periodEnd=${periodEnd} /><//>
      <${Runs} />
    <//>`;
}

function Preview({ periodEnd, setPeriodEnd }) {
  const unpaid = useUnpaid();
  const approved = usePaged(APPROVED, { to: dayStart(periodEnd, true) }, (d) => d.commissions);
  return html`
    <${Section} title="What a run would pay" id="preview-title">
      ${unpaid.loading && html`<${Loading} />`}
      ${unpaid.error && html`<${Failure} error=${unpaid.error} />`}
      ${unpaid.unpaid && html`
        <p>Approved money no run has taken yet${unpaid.count !== null && html` (<span data-count="preview-unpaid">${unpaid.count}</span> ledger rows)`}:</p>
        ${unpaid.unpaid.length === 0 && html`<p class="empty">Nothing approved yet.</p>`}
        <dl class="facts">
          ${unpaid.unpaid.map((u) => html`
            <div><dt>${u.currency}</dt><dd><${Money} amount=${u.amount} currency=${u.currency} figure=${`payouts.preview.${u.currency}`} /></dd></div>`)}
        </dl>
        <p class="hint">A partner below its minimum, without a payout method or (when the program requires one) an approved tax profile is carried over: the run lists them.</p>`}
      <${Field} id="preview-period-end" label="Pay for commissions accrued up to (included)" hint="A day in the program's time zone, today at the latest.">
        ${(a) => html`<input type="date" value=${periodEnd} max=${today()} onChange=${(e) => e.target.value && setPeriodEnd(e.target.value)} ...${a} />`}
      <//>
      <h3>Approved commissions up to ${calendarDay(periodEnd)}</h3>
      <${Paged} paged=${approved} what=${['approved commission', 'approved commissions']} empty="None.">
        <${TableWrap} label="Approved commissions up to the day">
          <table>
            <thead><tr><th scope="col">Partner</th><th scope="col">Accrued</th><th scope="col">Kind</th><th scope="col">In a payout</th><th scope="col" class="num">Amount</th></tr></thead>
            <tbody>
              ${approved.nodes.map((c) => html`
                <tr data-commission=${c.id}>
                  <th scope="row"><a href=${`#/partners/${encodeURIComponent(c.partner.id)}`}>${c.partner.name}</a></th>
                  <td>${day(c.accruedAt)}</td>
                  <td>${words(c.kind)}</td>
                  <td>${c.payoutId ? 'Yes, pending' : 'No'}</td>
                  <td class="num"><${Money} amount=${c.amount} currency=${c.currency} figure=${`commission.${c.id}.amount`} /></td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

function CreateRun({ periodEnd }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const input = { periodEnd: form.get('periodEnd') };
    if (form.get('currency')) input.currency = form.get('currency').toUpperCase();
    const made = await gql(CREATE, { input });
    location.hash = `#/payouts/${encodeURIComponent(made.createPayoutRun.id)}`;
  }, 'The run is made.');
  return html`
    <${Section} title="Create a run" id="create-run-title">
      <form class="stack" onSubmit=${submit} key=${periodEnd}>
        <${Field} id="run-period-end" label="Last day paid for" error=${fieldError('periodEnd')}>
          ${(a) => html`<input type="date" name="periodEnd" required defaultValue=${periodEnd} max=${today()} ...${a} />`}
        <//>
        <${Field} id="run-currency" label="Only one currency (optional)" hint="Three letters (EUR); empty: every currency." error=${fieldError('currency')}>
          ${(a) => html`<input name="currency" maxlength="3" autocomplete="off" spellcheck="false" ...${a} />`}
        <//>
        <p><button type="submit" disabled=${busy}>Create the payout run</button></p>
        <${Outcome} outcome=${outcome && outcome.error ? outcome : null} />
      </form>
    <//>`;
}

function Runs() {
  const paged = usePaged(RUNS, {}, (d) => d.payoutRuns);
  return html`
    <${Section} title="Runs, oldest first" id="runs-title">
      <${Paged} paged=${paged} what=${['run', 'runs']} empty="No run yet.">
        <${TableWrap} label="Payout runs">
          <table>
            <thead><tr><th scope="col">Paid up to</th><th scope="col">Status</th><th scope="col" class="num">Payouts</th><th scope="col" class="num">Carried over</th><th scope="col" class="num">Total</th><th scope="col">Made</th></tr></thead>
            <tbody>
              ${paged.nodes.map((r) => html`
                <tr data-run=${r.id}>
                  <th scope="row"><a href=${`#/payouts/${encodeURIComponent(r.id)}`}>${calendarDay(r.periodEnd)}${r.currency && ` (${r.currency})`}</a></th>
                  <td><${Badge} value=${r.status} tone=${tone(r.status)} /></td>
                  <td class="num">${r.payouts.length}</td>
                  <td class="num">${r.skipped.length}</td>
                  <td class="num">${r.total.map((t, i) => html`${i > 0 && html`<br />`}<${Money} amount=${t.amount} currency=${t.currency} figure=${`run.${r.id}.total.${t.currency}`} />`)}</td>
                  <td>${day(r.createdAt)}<span class="muted block">${r.createdBy}</span></td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

export function PayoutRunPage({ id }) {
  const { data, error, loading, reload } = useQuery(RUN, { id });
  const [done, setDone] = useState(null);
  const run = data && data.payoutRun;
  const changed = (message) => {
    setDone(message);
    reload();
  };
  return html`
    <${Page} title=${run ? `Payout run to ${calendarDay(run.periodEnd)}` : 'Payout run'}>
      <p><a href="#/payouts">Back to the payouts</a></p>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !run && html`<${NotFound} what="payout run" back="#/payouts" backLabel="Back to the payouts" />`}
      <${Done} message=${done} />
      ${run && html`
        <${Section} title="Summary" id="run-summary">
          <dl class="facts">
            <div><dt>Status</dt><dd><${Badge} value=${run.status} tone=${tone(run.status)} /></dd></div>
            <div><dt>Pays what accrued before</dt><dd>${day(run.cutoff)} <span class="muted">(the end of ${calendarDay(run.periodEnd)})</span></dd></div>
            <div><dt>Currency</dt><dd>${run.currency || 'Every currency'}</dd></div>
            <div><dt>Made</dt><dd>${day(run.createdAt)} by ${run.createdBy}</dd></div>
            ${run.total.map((t) => html`
              <div><dt>Total ${t.currency}</dt><dd><${Money} amount=${t.amount} currency=${t.currency} figure=${`run.${run.id}.total.${t.currency}`} /></dd></div>`)}
          </dl>
        <//>
        <${Writable} note="payment files hold whole account numbers: an admin downloads them."><${Files} run=${run} changed=${changed} /><//>
        <${Writable} note="an admin sends payouts by API."><${Send} run=${run} rails=${data.payoutRails || []} changed=${changed} /><//>
        <${RunPayouts} run=${run} changed=${changed} />
        <${Skipped} run=${run} />`}
    <//>`;
}

function Files({ run, changed }) {
  const [outcome, setOutcome] = useState(null);
  const get = (format, currency) => async () => {
    setOutcome(null);
    try {
      const data = await gql(FILE, { runId: run.id, format, currency: currency || null });
      saveFile(data.payoutRunFile);
      setOutcome({ file: data.payoutRunFile });
      changed(`Saved ${data.payoutRunFile.filename}: its payouts are handed to finance and not sent by API.`);
    } catch (error) {
      setOutcome({ error });
    }
  };
  const pending = run.payouts.filter((p) => p.status === 'PENDING');
  const paypal = [...new Set(pending.filter((p) => p.method && p.method.type === 'PAYPAL').map((p) => p.currency))];
  return html`
    <${Section} title="Payment files" id="run-files">
      <p class="hint">Only pending payouts are in a file. A payout the file cannot carry is listed after the download: pay it by hand and mark it paid. A payout in a downloaded file is not sent by API, unless you say the file was not used.</p>
      <div class="actions">
        <button type="button" class="secondary" onClick=${get('SEPA_PAIN_001')}>Download the SEPA file (XML)</button>
        ${(paypal.length ? paypal : [null]).map((c) => html`
          <button type="button" class="secondary" onClick=${get('PAYPAL_PAYOUTS_CSV', c)}>Download the PayPal file (CSV${c ? `, ${c}` : ''})</button>`)}
      </div>
      <div role="status">
        ${outcome && outcome.file && html`
          <p class="notice ok">Saved ${outcome.file.filename}.</p>
          ${outcome.file.leftOut.length > 0 && html`
            <p>Not in the file:</p>
            <ul>${outcome.file.leftOut.map((l) => html`<li>${l.payout.statementNumber} (${l.payout.partner.name}): ${l.reason}</li>`)}</ul>`}`}
      </div>
      ${outcome && outcome.error && html`<${Failure} error=${outcome.error} />`}
    <//>`;
}

function Send({ run, rails, changed }) {
  const [outcome, setOutcome] = useState(null);
  const offered = RAILS.filter(([rail]) => rails.some((r) => r.rail === rail));
  if (offered.length === 0) {
    return html`
      <${Section} title="Send by API" id="run-send">
        <p class="hint">No payout rail is configured: configurePayoutRail connects PayPal Payouts, Stripe Connect or Wise (docs/payouts.md).</p>
      <//>`;
  }
  const withdraw = (format, label) => async () => {
    setOutcome(null);
    try {
      await gql(WITHDRAW, { input: { runId: run.id, format } });
      changed(`${label}: its payouts may be sent by API.`);
    } catch (error) {
      setOutcome({ error });
    }
  };
  const filed = (type) => run.payouts.filter((p) => p.status === 'PENDING' && !p.rail && p.filedAs && p.method && p.method.type === type).length;
  const send = (rail, label) => async () => {
    setOutcome(null);
    try {
      const data = await gql(SEND, { input: { runId: run.id, rail } });
      changed(`${label}: ${data.sendPayouts.payouts.filter((p) => p.railStatus).length} payouts handed to the rail; each is followed to its end below.`);
    } catch (error) {
      setOutcome({ error });
    }
  };
  return html`
    <${Section} title="Send by API" id="run-send">
      <p class="hint">The run's pending payouts to the rail's method are sent once, in the background; each payout's rail status follows below. A payout sent by API is in no file and is not marked by hand.</p>
      <div class="actions">
        ${offered.map(([rail, type, label]) => {
          const waiting = run.payouts.filter((p) => p.status === 'PENDING' && !p.rail && !p.filedAs && p.method && p.method.type === type).length;
          return html`<button type="button" data-rail=${rail} disabled=${waiting === 0} onClick=${send(rail, label)}>${label}${waiting > 0 ? ` (${waiting})` : ''}</button>`;
        })}
      </div>
      ${filed('PAYPAL') > 0 && html`
        <p class="hint">${filed('PAYPAL')} PayPal ${filed('PAYPAL') === 1 ? 'payout is' : 'payouts are'} in a downloaded PayPal file: sent by API only if that file was not used.</p>
        <div class="actions"><button type="button" class="secondary" data-withdraw="PAYPAL_PAYOUTS_CSV" onClick=${withdraw('PAYPAL_PAYOUTS_CSV', 'The PayPal file was not used')}>The PayPal file was not used</button></div>`}
      ${outcome && outcome.error && html`<${Failure} error=${outcome.error} />`}
    <//>`;
}

const RAIL_STATUS = {
  QUEUED: 'Queued', SENT: 'Sent, waiting for the provider', SUCCEEDED: 'Succeeded', FAILED: 'Failed',
  UNCLAIMED: 'Unclaimed', RETURNED: 'Returned',
};

function Statement({ payout }) {
  const [error, setError] = useState(null);
  const get = () => {
    setError(null);
    download(payout.statementUrl, `statement-${payout.statementNumber}.pdf`).catch(setError);
  };
  return html`
    <button type="button" class="link" onClick=${get}>${payout.statementNumber}<span class="visually-hidden"> statement (PDF)</span></button>
    ${error && html`<${Failure} error=${error} />`}`;
}

/**
 * A payout's self-billed invoice and credit notes: their PDF and XML, and
 * the partner's objections to the invoice.
 */
function Documents({ payout }) {
  const [error, setError] = useState(null);
  const get = (url, name) => {
    setError(null);
    download(url, name).catch(setError);
  };
  const one = (doc, kind) => doc && html`
    <span class="block" data-document=${doc.number}>${kind} ${doc.number}:
      <button type="button" class="link" onClick=${() => get(doc.pdfUrl, `invoice-${doc.number}.pdf`)}>PDF<span class="visually-hidden"> of ${doc.number}</span></button>
      <button type="button" class="link" onClick=${() => get(doc.xmlUrl, `invoice-${doc.number}.xml`)}>XML<span class="visually-hidden"> of ${doc.number}</span></button></span>`;
  const objections = (payout.invoice && payout.invoice.objections) || [];
  return html`${one(payout.invoice, 'Invoice')}
    ${objections.map((o) => html`<span class="muted block" data-figure="invoice.objection">Objected on ${day(o.createdAt)}: ${o.reason}</span>`)}
    ${(payout.creditNotes || []).map((note) => one(note, 'Credit note'))}
    ${error && html`<${Failure} error=${error} />`}`;
}

function RunPayouts({ run, changed }) {
  return html`
    <${Section} title="Payouts" id="run-payouts">
      ${run.payouts.length === 0
        ? html`<p class="empty">This run paid nobody.</p>`
        : html`
          <${TableWrap} label="Payouts of the run">
            <table>
              <thead><tr><th scope="col">Statement</th><th scope="col">Partner</th><th scope="col">Method</th><th scope="col">Status</th><th scope="col" class="num">Amount</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                ${run.payouts.map((p) => html`
                  <tr data-payout=${p.id}>
                    <th scope="row"><${Statement} payout=${p} /><span class="muted block">${p.commissionCount} ${p.commissionCount === 1 ? 'line' : 'lines'}</span><${Documents} payout=${p} /></th>
                    <td><a href=${`#/partners/${encodeURIComponent(p.partner.id)}`}>${p.partner.name}</a></td>
                    <td>${p.method ? method(p.method.type) : '—'}${p.method && html`<span class="muted block">${p.method.paypalEmail || p.method.iban || p.method.stripeAccountId}</span>`}</td>
                    <td data-state=${p.status}>
                      <${Badge} value=${p.status} />
                      ${p.reference && html`<span class="muted block">${p.reference}</span>`}
                      ${p.failureReason && html`<span class="muted block">${p.failureReason}</span>`}
                      ${p.rail && html`<span class="block" data-rail-status=${p.railStatus}>${method(p.rail === 'PAYPAL_PAYOUTS' ? 'PAYPAL' : 'STRIPE_CONNECT')}: ${RAIL_STATUS[p.railStatus] || words(p.railStatus)}</span>`}
                      ${p.railReference && p.railReference !== p.reference && html`<span class="muted block">${p.railReference}</span>`}
                      ${p.railError && html`<span class="muted block" data-rail-error>${p.railError}</span>`}
                      ${p.filedAs && !p.rail && html`<span class="muted block" data-filed=${p.filedAs}>In the ${p.filedAs === 'SEPA_PAIN_001' ? 'SEPA' : 'PayPal'} file</span>`}
                    </td>
                    <td class="num"><${Money} amount=${p.amount} currency=${p.currency} figure=${`payout.${p.id}.amount`} />
                      ${Number(p.vat.amount) !== 0 && html`<span class="muted block">of which VAT ${p.vat.amount}</span>`}</td>
                    <td class="row-actions">${p.status === 'PENDING' && !p.rail && html`<${Writable}><${Mark} payout=${p} changed=${changed} /><//>`}</td>
                  </tr>`)}
              </tbody>
            </table>
          <//>`}
    <//>`;
}

function Mark({ payout, changed }) {
  const key = payout.id.replace(/[^A-Za-z0-9_-]/g, '');
  const who = `${payout.statementNumber} (${payout.partner.name})`;
  return html`
    <div class="actions">
      <${Reveal} id=${`paid-${key}`} label="Mark paid…">${() => html`
        <${ReasonForm} id=${`paid-reference-${key}`} name="reference" label="Payment reference" hint="PayPal's batch id, or the bank's."
                       submit=${`Mark ${who} paid`}
                       run=${(form) => gql(PAID, { id: payout.id, reference: form.get('reference') })}
                       onDone=${() => changed(`${who} is paid.`)} />`}
      <//>
      <${Reveal} id=${`failed-${key}`} label="Mark failed…">${() => html`
        <${ReasonForm} id=${`failed-reason-${key}`} name="reason" label="Why it failed" hint="Its commissions go to the next run."
                       submit=${`Mark ${who} failed`}
                       run=${(form) => gql(FAILED, { id: payout.id, reason: form.get('reason') })}
                       onDone=${() => changed(`${who} failed: its commissions wait for the next run.`)} />`}
      <//>
    </div>`;
}

function Skipped({ run }) {
  if (run.skipped.length === 0) return null;
  return html`
    <${Section} title="Carried over" id="run-skipped">
      <${TableWrap} label="Partners carried over">
        <table>
          <thead><tr><th scope="col">Partner</th><th scope="col">Why</th><th scope="col" class="num">Balance</th></tr></thead>
          <tbody>
            ${run.skipped.map((s) => html`
              <tr data-partner=${s.partner.id}>
                <th scope="row"><a href=${`#/partners/${encodeURIComponent(s.partner.id)}`}>${s.partner.name}</a></th>
                <td>${SKIPPED[s.reason] || words(s.reason)}</td>
                <td class="num"><${Money} amount=${s.balance.amount} currency=${s.balance.currency} figure=${`run.${run.id}.skipped.${s.partner.id}.${s.balance.currency}`} /></td>
              </tr>`)}
          </tbody>
        </table>
      <//>
    <//>`;
}
