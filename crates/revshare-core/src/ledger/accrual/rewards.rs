//! A recruit's commissions earn its referrers' rewards (SPEC §31): each
//! written in the batch, on an event of the referrer's own, and counted
//! in the referrer's caps.

use super::evaluate::Batch;
use crate::engagement::caps::Want;
use crate::error::ApiResult;
use crate::ledger::path::{EventRow, Payload};
use entity::enums::EventKind;

impl Batch<'_> {
    /// The referrers' rewards on a recruit's new `commissions` (SPEC §31),
    /// each on an event of its referrer's, counted in the referrer's caps.
    pub(super) fn reward_referrers(
        &mut self,
        commissions: &[entity::commission::Model],
        sale_minor: Option<i64>,
        amount_field: &str,
    ) -> ApiResult<()> {
        let rewards = self
            .referrals
            .reward(commissions, sale_minor, amount_field)?;
        for reward in rewards {
            let external_id = reward.external_id();
            let payload = Payload::new()
                .field("commissionId", reward.source.id.clone())
                .text();
            let event = EventRow {
                tenant_id: self.tenant_id,
                external_id: &external_id,
                partner_id: &reward.referrer,
                campaign_id: &reward.source.campaign_id,
                kind: EventKind::Reward,
                amount_minor: 0,
                currency: &reward.source.currency,
                occurred_at: reward.source.accrued_at,
                payload: &payload,
                recorded_at: self.now,
            }
            .build();
            let row = self.posting.add(reward.commission(&event.id))?;
            // The reward counts in its referrer's caps too.
            if let Some(group_id) = self
                .loaded
                .partners
                .get(&row.partner_id)
                .map(|p| &p.group_id)
            {
                let theirs = Want {
                    partner_id: &row.partner_id,
                    group_id,
                    campaign_id: &row.campaign_id,
                    customer_id: None,
                    currency: &row.currency,
                    at: row.accrued_at,
                };
                self.caps.spent(&theirs, row.amount_minor);
            }
            self.state.rewards.push(event);
        }
        Ok(())
    }
}
