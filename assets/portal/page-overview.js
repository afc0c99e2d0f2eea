// Overview: what the partner has earned, by currency and status; its
// earnings per month; the retainers paying it; its progress toward the
// program's tiers.
import { html, useState } from './lib.js';
import { add, date, lastDay, lastMonths, monthOf, money } from './format.js';
import { BarChart, Failure, Loading, Money, Page, Section, useQuery } from './ui.js';
import { t } from './words.js';

const MONTHS = 6;

const ZONE = `query Zone { viewer { tenant { timeZone } } }`;

const OVERVIEW = `query Overview($from: DateTime!, $to: DateTime!) {
  viewer {
    partner {
      id name
      balance { currency accrued approved paid }
      payoutMinimums { amount currency }
      retainers { id name status cadence nextDueAt amount { amount currency } }
      tierProgress {
        tier { id name }
        campaign { name currency }
        periodEnd reached capped
        totals { payout revenue conversions }
        goals { payout revenue conversions }
      }
    }
  }
  commissionStats(interval: MONTH, from: $from, to: $to) { start currency accrued approved paid clawedBack }
}`;

export function Overview() {
  // Months are the tenant's: its time zone first, then the figures.
  const zone = useQuery(ZONE, {});
  const timeZone = zone.data && zone.data.viewer.tenant.timeZone;
  return html`
    <${Page} title=${t('nav.overview')} intro=${t('overview.intro')}>
      ${zone.loading && html`<${Loading} />`}
      ${zone.error && html`<${Failure} error=${zone.error} />`}
      ${timeZone && html`<${Figures} timeZone=${timeZone} />`}
    <//>`;
}

function Figures({ timeZone }) {
  // Fixed when the page opens: a new range on each render would fetch again.
  const [range] = useState(() => lastMonths(MONTHS, timeZone));
  const { data, error, loading } = useQuery(OVERVIEW, range);
  return html`
    ${loading && html`<${Loading} />`}
    ${error && html`<${Failure} error=${error} />`}
    ${data && html`<${Balances} partner=${data.viewer.partner} />
                   <${Earnings} stats=${data.commissionStats} timeZone=${timeZone} />
                   <${Retainers} retainers=${data.viewer.partner.retainers} timeZone=${timeZone} />
                   <${Tiers} progress=${data.viewer.partner.tierProgress} timeZone=${timeZone} />`}`;
}

function Balances({ partner }) {
  if (!partner.balance.length) {
    return html`<${Section} title=${t('overview.balance')} id="balance-title"><p class="empty">${t('overview.nothingYet')}</p><//>`;
  }
  return html`
    <${Section} title=${t('overview.balance')} id="balance-title">
      <div class="balances">
        ${partner.balance.map((b) => {
          const minimum = partner.payoutMinimums.find((m) => m.currency === b.currency);
          return html`
            <div class="balance" data-currency=${b.currency}>
              <h3>${b.currency}</h3>
              <dl>
                <div><dt>${t('overview.pending')}</dt><dd><${Money} amount=${b.accrued} currency=${b.currency} figure=${`balance.${b.currency}.accrued`} /></dd></div>
                <div><dt>${t('overview.approved')}</dt><dd><${Money} amount=${b.approved} currency=${b.currency} figure=${`balance.${b.currency}.approved`} /></dd></div>
                <div><dt>${t('overview.paid')}</dt><dd><${Money} amount=${b.paid} currency=${b.currency} figure=${`balance.${b.currency}.paid`} /></dd></div>
              </dl>
              ${minimum && html`<p class="hint">${t('overview.minimum', { amount: money(minimum.amount, b.currency) })}</p>`}
            </div>`;
        })}
      </div>
    <//>`;
}

function Earnings({ stats, timeZone }) {
  const currencies = [...new Set(stats.map((s) => s.currency))];
  return html`
    <${Section} title=${t('overview.earnings')} id="earnings-title">
      ${currencies.length === 0 && html`<p class="empty">${t('overview.noEarnings', { count: MONTHS })}</p>`}
      ${currencies.map((currency) => {
        const points = stats
          .filter((s) => s.currency === currency)
          .map((s) => ({
            label: monthOf(s.start, timeZone),
            amount: add(s.accrued, s.approved, s.paid, s.clawedBack),
            figure: `earned.${currency}.${s.start.slice(0, 7)}`,
          }));
        return html`<${BarChart} id=${`earnings-${currency}`} title=${t('overview.chart', { currency, count: MONTHS })}
                                  points=${points} currency=${currency} />`;
      })}
    <//>`;
}

/** The fixed amounts the program pays it on a cadence, whatever it sells. */
function Retainers({ retainers, timeZone }) {
  const shown = retainers.filter((r) => r.status !== 'ENDED');
  if (!shown.length) return null;
  return html`
    <${Section} title=${t('overview.retainers')} id="retainers-title">
      <ul class="plain-list">
        ${shown.map((r) => html`
          <li class="retainer" data-retainer=${r.id}>
            <h3>${r.name}</h3>
            <p>${t(`overview.cadence.${r.cadence.toLowerCase()}`, { amount: money(r.amount.amount, r.amount.currency) })}</p>
            <p class="muted">${r.status === 'PAUSED'
              ? t('overview.retainerPaused')
              : r.nextDueAt && t('overview.nextPayment', { day: date(r.nextDueAt, timeZone) })}</p>
          </li>`)}
      </ul>
    <//>`;
}

function Tiers({ progress, timeZone }) {
  if (!progress.length) return null;
  return html`
    <${Section} title=${t('overview.tiers')} id="tiers-title">
      <ul class="tiers">
        ${progress.map((p) => html`
          <li class="tier">
            <h3>${p.tier.name} <span class="muted">· ${p.campaign.name}</span></h3>
            <p class="muted">${t(p.reached ? 'overview.reached' : 'overview.inProgress', { day: lastDay(p.periodEnd, timeZone) })}</p>
            <${Goal} label=${t('overview.sales')} total=${p.totals.conversions} goal=${p.goals.conversions} />
            <${Goal} label=${t('overview.revenue')} total=${p.totals.revenue} goal=${p.goals.revenue} currency=${p.campaign.currency} />
            <${Goal} label=${t('overview.commissions')} total=${p.totals.payout} goal=${p.goals.payout} currency=${p.campaign.currency} />
          </li>`)}
      </ul>
    <//>`;
}

function Goal({ label, total, goal, currency }) {
  if (!Number(goal)) return null;
  const shown = (v) => (currency ? money(v, currency) : String(v));
  const text = t('overview.goal', { label, total: shown(total), goal: shown(goal) });
  return html`
    <div class="goal">
      <span>${text}</span>
      <progress max=${Number(goal)} value=${Math.min(Number(total), Number(goal))} aria-label=${text}></progress>
    </div>`;
}

