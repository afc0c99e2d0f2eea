//! A page of a source's commissions, written in the page's transaction
//! (or, in a dry run, decided and counted): each commission through
//! [`crate::ledger::imported`], each clawback the source booked (a
//! negative one) held through [`crate::ledger::imported_clawbacks`] and
//! booked against the commission it takes back once the phase's last page
//! is written ([`clawbacks`], on the empty page that follows it,
//! [`super::sources::CLAWBACKS`]) — a source lists a clawback before the
//! sale it takes back as often as after.

use super::program;
use super::source::{Commission, Problem};
use super::target::{Counts, Target, partner_id};
use crate::db::Txn;
use crate::error::ApiResult;
use crate::ledger::imported::{self, Imported, ImportedCommission, SourceState};
use crate::ledger::imported_clawbacks;

/// Writes (or, dry, counts) a page of commissions and clawbacks.
pub(super) async fn of(
    conn: &Txn,
    target: &mut Target,
    rows: &[Commission],
    counts: &mut Counts,
) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut items = Vec::new();
    let mut taken_back = Vec::new();
    for row in rows {
        let Some(key) = &row.partner_key else {
            counts
                .problems
                .push(Problem::new("commission", &row.key, "names no partner"));
            continue;
        };
        let Some(partner_id) = partner_id(conn, target, key).await? else {
            counts.problems.push(Problem::new(
                "commission",
                &row.key,
                format!("its partner {key} was not imported"),
            ));
            continue;
        };
        let customer = match (&row.customer, &row.referral_key) {
            (Some(customer), _) => Some((customer.clone(), row.earned_at)),
            (None, Some(referral)) => target.referrals.get(referral).cloned(),
            (None, None) => None,
        };
        let clawback = row.amount_minor < 0;
        if clawback && matches!(row.state, SourceState::Voided { .. }) {
            counts.problems.push(Problem::new(
                "clawback",
                &row.key,
                format!("{} declined it: nothing is clawed back", target.platform),
            ));
            continue;
        }
        let item = ImportedCommission {
            external_id: format!(
                "{}:{}:{}",
                target.prefix,
                if clawback { "clawback" } else { "commission" },
                row.key
            ),
            platform: target.platform,
            source_id: row.key.clone(),
            partner_id,
            campaign_id: target.campaign.id.clone(),
            customer,
            billed_in: target.campaign.currency.clone(),
            currency: row.currency,
            amount_minor: row.amount_minor,
            sale_minor: row.sale_minor,
            sale_tax_minor: row.sale_tax_minor,
            sale_reference: row.sale_reference.clone(),
            earned_at: row.earned_at,
            state: row.state,
            paid_by: row.paid_by,
            holdback_days: target.campaign.holdback_days,
        };
        match clawback {
            true => taken_back.push(item),
            false => items.push(item),
        }
    }
    let zone = crate::payouts::tenant_zone(conn, &target.tenant_id).await?;
    let answers = imported::record(conn, &target.tenant_id, zone, &items, target.dry).await?;
    let held = imported_clawbacks::hold(conn, &target.tenant_id, &taken_back, target.dry).await?;
    let mut paid = Vec::new();
    for (item, answer) in items
        .iter()
        .chain(&taken_back)
        .zip(answers.into_iter().chain(held))
    {
        match answer {
            Imported::Written => {
                counts.commissions += 1;
                if let SourceState::Paid { at } = item.state
                    && item.amount_minor >= 0
                {
                    paid.push((item, at));
                }
            }
            Imported::Unchanged => counts.unchanged += 1,
            Imported::Skipped(reason) => {
                counts.skipped += 1;
                counts
                    .problems
                    .push(Problem::new("commission", &item.source_id, reason));
            }
        }
    }
    if !target.dry && !paid.is_empty() && !target.source_pays {
        program::paid_at_source(conn, target, paid).await?;
    }
    Ok(())
}

/// Books the clawbacks this source's pages held, each against the
/// commission it takes back: once the commissions' last page is written,
/// when every commission they may take back is, in a transaction that
/// locks their partners alone (the lock order's first step). One its
/// partner has no commission to take back from is a problem row.
pub(super) async fn clawbacks(conn: &Txn, target: &Target, counts: &mut Counts) -> ApiResult<()> {
    if target.dry {
        return Ok(());
    }
    let unmatched =
        imported_clawbacks::book(conn, &target.tenant_id, target.prefix, target.platform).await?;
    for one in unmatched {
        counts
            .problems
            .push(Problem::new("clawback", &one.source_id, one.reason));
    }
    Ok(())
}
