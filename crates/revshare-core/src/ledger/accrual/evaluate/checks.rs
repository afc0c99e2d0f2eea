//! An item's checks before it is evaluated: its partner, the exactly-once
//! rule, its fields, and the totals it adds to; and an item held for want
//! of a partner.

use super::explain::stored_kind;
use super::{Batch, Checks, Valid};
use crate::campaigns;
use crate::engine;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::ledger::accrual::amounts::amounts;
use crate::ledger::accrual::load::Checked;
use crate::ledger::accrual::{PartnerRef, Recorded, bad, minor_units, same_payload};
use crate::ledger::path::exactly_once;
use crate::posting::added_minor;
use entity::enums::{HeldReason, PartnerStatus};
use entity::{customer, event, partner, unattributed_event};

impl<'a> Batch<'a> {
    /// A sale adds its amount to its customer's net charges and its
    /// partner's LTV: both must stay within what the ledger stores.
    pub(super) fn check_totals(
        &self,
        amount_field: &str,
        partner: &partner::Model,
        valid: &Valid,
        customer: Option<&customer::Model>,
        sale: bool,
    ) -> ApiResult<()> {
        if !sale {
            return Ok(());
        }
        let key = (partner.id.clone(), valid.currency.code().to_owned());
        let ltv = self.state.totals.get(&key).map_or(0, |t| t.ltv_minor);
        added_minor(ltv, valid.amount_minor, amount_field)?;
        let net = customer.map_or(0, |c| c.net_minor);
        added_minor(net, valid.amount_minor, amount_field)?;
        Ok(())
    }

    /// The item's partner, by id or by `externalId`, or its customer's.
    pub(super) fn partner(&self, item: &Checked) -> ApiResult<&'a partner::Model> {
        self.loaded
            .partner_of(item)
            .ok_or_else(|| match &item.new.partner {
                Some(PartnerRef::Id(_)) => bad(item.prefix, "partnerId", "no such partner"),
                Some(PartnerRef::ExternalId(_)) => {
                    bad(item.prefix, "partnerExternalId", "no such partner")
                }
                None => ApiError::internal("attribution", "its partner was not locked"),
            })
    }

    /// Holds an item naming only a customer nobody attributed, or in a
    /// currency with no rate yet: checked as far as it can be without a
    /// partner (its currency is the one given, or the campaign's it names,
    /// or the default campaign's), earning nothing until its customer is
    /// attributed or its rate imported.
    pub(super) fn hold(&self, item: Checked, reason: HeldReason) -> ApiResult<Recorded> {
        let (prefix, new) = (item.prefix, item.new);
        let campaign = self
            .loaded
            .campaign_id_of(&item)
            .and_then(|id| self.loaded.campaigns.get(id))
            .ok_or_else(|| bad(prefix, "campaignId", "no such campaign"))?;
        let code = new.currency.as_deref().unwrap_or(&campaign.currency);
        let currency = campaigns::check_currency(&format!("{prefix}.currency"), code)?;
        let amount_minor = minor_units(prefix, "amount", new.amount, currency)?;
        if let Some(revenue) = new.revenue {
            minor_units(prefix, "revenue", revenue, currency)?;
        }
        if new.kind == engine::EventKind::Sale && amount_minor == 0 {
            return Err(bad(prefix, "amount", "must be greater than 0 for a sale"));
        }
        let customer = match reason {
            HeldReason::Unattributed => item
                .customer_external_id
                .clone()
                .ok_or_else(|| bad(prefix, "customerExternalId", "is required"))?,
            // A lead naming its partner may have no customer.
            HeldReason::NoExchangeRate => item.customer_external_id.clone().unwrap_or_default(),
        };
        let held = unattributed_event::Model {
            id: input::new_id(),
            tenant_id: self.tenant_id.to_owned(),
            external_id: item.external_id,
            customer_external_id: customer,
            kind: stored_kind(new.kind),
            amount_minor,
            currency: currency.code().to_owned(),
            occurred_at: crate::ledger::path::occurred_at(new.occurred_at, self.now),
            source: item.source,
            payload: item.payload,
            refunded_minor: 0,
            refunded_lines: None,
            recorded_at: self.now,
            accrued_at: None,
            reason,
        };
        Ok(Recorded {
            event: None,
            commissions: Vec::new(),
            duplicate: false,
            held: Some(held),
        })
    }

    /// Exactly once: a redelivery, recorded before or earlier in this batch,
    /// answers with the original result; another payload is `CONFLICT`.
    pub(super) fn duplicate(&self, item: &Checked) -> ApiResult<Option<Recorded>> {
        let earlier = self
            .state
            .recorded
            .get(&item.external_id)
            .and_then(|index| self.results.get(*index)?.as_ref().ok());
        // Held before, by an earlier call or earlier in this batch.
        let held = (self.loaded.held.get(&item.external_id))
            .or_else(|| earlier.and_then(|first| first.held.as_ref()));
        if let Some(held) = held {
            return match same_payload(&held.payload, &item.payload) {
                true => Ok(Some(Recorded {
                    event: None,
                    commissions: Vec::new(),
                    duplicate: true,
                    held: Some(held.clone()),
                })),
                false => Err(ApiError::other_payload()),
            };
        }
        let in_batch =
            earlier.and_then(|first| Some((first.event.as_ref()?, first.commissions.as_slice())));
        let same = |event: &event::Model| same_payload(&event.payload, &item.payload);
        let first = exactly_once(&item.external_id, &self.loaded.existing, in_batch, same)?;
        Ok(first.map(|(event, commissions)| Recorded {
            event: Some(event.clone()),
            commissions: commissions.to_vec(),
            duplicate: true,
            held: None,
        }))
    }

    /// The checks that need the loaded rows: partner, campaign, currency,
    /// amounts, enrollment.
    pub(super) fn validate(
        &self,
        item: &Checked,
        partner: &partner::Model,
    ) -> ApiResult<Checks<'a>> {
        let (prefix, new) = (item.prefix, item.new);
        self.check_partner(item, partner)?;
        let campaign = self.campaign(item)?;
        let currency =
            campaigns::check_currency(&format!("{prefix}.currency"), &campaign.currency)?;
        // Kept to the microsecond, as both databases store timestamps, so
        // this reply and any redelivery's are the same.
        let occurred_at = crate::ledger::path::occurred_at(new.occurred_at, self.now);
        let Some(amounts) = amounts(self.loaded, item, currency, occurred_at)? else {
            return Ok(Checks::NoRate);
        };
        if new.kind == engine::EventKind::Sale && item.customer_external_id.is_none() {
            return Err(bad(prefix, "customerExternalId", "is required for a sale"));
        }
        let sent = match &new.currency {
            Some(code) => engine::Currency::parse(code).ok(),
            None => Some(currency),
        };
        crate::ledger::lines::check(prefix, &new.lines, new.amount, sent)?;
        let pair = (partner.id.clone(), campaign.id.clone());
        if !campaign.is_default && !self.loaded.enrolled.contains(&pair) {
            return Err(bad(
                prefix,
                "campaignId",
                "the partner is not enrolled in this campaign",
            ));
        }
        Ok(Checks::Valid(Valid {
            earns: partner.status == PartnerStatus::Active,
            campaign,
            currency,
            amount_minor: amounts.amount_minor,
            revenue_minor: amounts.revenue_minor,
            occurred_at,
            conversion: amounts.conversion,
        }))
    }

    /// Named, a partner must be active and the customer's, if it has one;
    /// found through its customer, a suspended one earns nothing (checked
    /// later).
    pub(super) fn check_partner(&self, item: &Checked, partner: &partner::Model) -> ApiResult<()> {
        let prefix = item.prefix;
        let named = item.new.partner.is_some();
        if named && partner.status != PartnerStatus::Active {
            return Err(bad(prefix, "partnerId", "the partner is not active"));
        }
        if named
            && let Some(customer) = &item.customer_external_id
            && let Some(attribution) = self.loaded.attributions.get(customer)
            && attribution.partner_id != partner.id
        {
            return Err(bad(
                prefix,
                "partnerId",
                "the customer is attributed to another partner",
            ));
        }
        Ok(())
    }
}
