//! The history an event's rules saw, kept on the event (SPEC §23): a
//! replay evaluates it as accrual did without summing the ledger's past.

use crate::engine::Charge;
use entity::{customer, event, partner, partner_total};
use std::collections::HashMap;

/// The partner's and the customer's history before the event.
pub(super) struct Before<'a> {
    /// Each partner's totals by (partner id, currency), as the batch has them.
    pub totals: &'a HashMap<(String, String), partner_total::Model>,
    pub customer: Option<&'a customer::Model>,
    pub partner: &'a partner::Model,
}

/// Keeps on the event the charge's inputs from before it, and whether its
/// partner could earn.
pub(super) fn keep(event: &mut event::Model, charge: &Charge, earns: bool, before: Before<'_>) {
    let key = (before.partner.id.clone(), event.currency.clone());
    let (ltv, paying) = before
        .totals
        .get(&key)
        .map_or((0, 0), |t| (t.ltv_minor, t.paying_customers));
    event.history_month = Some(i32::try_from(charge.customer_month).unwrap_or(i32::MAX));
    event.history_ltv_minor = Some(ltv);
    event.history_paying = Some(i32::try_from(paying).unwrap_or(i32::MAX));
    event.history_net_minor = Some(before.customer.map_or(0, |c| c.net_minor));
    event.history_bonus = Some(charge.customer_had_threshold_bonus);
    event.history_earns = Some(earns);
}
