//! An approved applicant's referrer (SPEC §31): the partner whose code or
//! link sent it to the join page becomes its referrer, and is paid its
//! group's `APPROVED` reward, in the approval's transaction.

use crate::engagement::referrals;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::ledger::path::Payload;
use crate::ledger::rewards::{RewardEvent, book};
use crate::posting::earned_minor;
use entity::{campaign, partner, partner_application};

/// Sets the new partner's referrer, when the applicant came through one
/// that may refer it (one that may not — gone, or with its address — is
/// left out), and writes the referrer's reward for the approval: a
/// `REFERRAL` commission on an event of its own, once per recruit.
pub(super) async fn approved(
    conn: &crate::db::Txn,
    application: &partner_application::Model,
    recruit: &partner::Model,
    campaign: &campaign::Model,
) -> ApiResult<()> {
    let Some(referrer) = application.referred_by.as_deref() else {
        return Ok(());
    };
    let tenant_id = application.tenant_id.as_str();
    match crate::engagement::referrers::set_in(conn, tenant_id, &recruit.id, Some(referrer)).await {
        Ok(_) => {}
        Err(ApiError::BadInput { .. }) => return Ok(()),
        Err(other) => return Err(other),
    }
    let Some((referrer, amount)) = referrals::on_approval(conn, tenant_id, referrer).await? else {
        return Ok(());
    };
    let currency = Currency::parse(&campaign.currency)
        .map_err(|e| ApiError::internal("campaign currency", e))?;
    let amount_minor = earned_minor(currency, amount, "input.id")?;
    let now = crate::db::now();
    let row = referrals::approval_reward(&referrer, recruit, campaign, amount_minor, amount, now);
    let event = RewardEvent {
        tenant_id,
        partner_id: &referrer.id,
        campaign_id: &campaign.id,
        currency: currency.code(),
        key: format!("referral:approved:{}", recruit.id),
        payload: Payload::new().field("partnerId", recruit.id.clone()),
        at: now,
    };
    book(conn, event, row).await?;
    Ok(())
}
