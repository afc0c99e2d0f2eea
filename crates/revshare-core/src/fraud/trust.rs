//! Trusted partners (SPEC §37): a partner the brand vouches for is still
//! flagged as its signals say, but a flag raised while it is trusted holds
//! nothing, whatever the policy ([`super::flags::raise`] records it as not
//! acted on). Trusting changes no open flag; untrusting holds again from
//! then on.

use crate::error::{ApiError, ApiResult};
use entity::partner;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

/// The longest note on a change of trust.
const MAX_NOTE: usize = 1_000;

/// Sets whether `partner_id` is trusted (`commissions:write`), in one
/// transaction under the partner's lock; `note` (required) is the
/// activity entry's reason.
pub async fn set(
    db: &crate::db::Db,
    tenant_id: &str,
    partner_id: &str,
    trusted: bool,
    note: &str,
) -> ApiResult<partner::Model> {
    let note = crate::input::required_text("input.note", note, MAX_NOTE)?;
    db.transaction(|txn| {
        let note = note.clone();
        Box::pin(async move {
            let before = crate::posting::locks::partners_by_id(&*txn, tenant_id, [partner_id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::bad_input("input.partnerId", "no such partner"))?;
            crate::activity::because(&note);
            if before.trusted == trusted {
                return Ok(before);
            }
            let mut row = before.clone().into_active_model();
            row.trusted = Set(trusted);
            row.updated_at = Set(crate::db::now());
            let after = row.update(&*txn).await?;
            crate::activity::compared(Some(&before), Some(&after));
            Ok(after)
        })
    })
    .await
}
