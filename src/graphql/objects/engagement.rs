//! Partners who bring partners (SPEC §31): a referrer's recruits.

use super::Money;
use crate::error::ApiResult;
use async_graphql::SimpleObject;

/// A partner a partner recruited, as its referrer sees it: never more of
/// the recruit than its name and when it joined.
#[derive(SimpleObject)]
pub struct Recruit {
    /// The recruit's name.
    pub name: String,
    /// When it joined.
    pub joined_at: crate::graphql::scalars::DateTime,
    /// What it earned its referrer, per currency: referral rewards not
    /// reversed, less their clawbacks.
    pub earned: Vec<Money>,
}

impl Recruit {
    pub(crate) fn of(
        recruit: &entity::partner::Model,
        earned: &[(String, i64)],
    ) -> ApiResult<Recruit> {
        Ok(Recruit {
            name: recruit.name.clone(),
            joined_at: recruit.created_at.into(),
            earned: earned
                .iter()
                .map(|(currency, minor)| Money::of(*minor, currency))
                .collect::<ApiResult<_>>()?,
        })
    }
}
