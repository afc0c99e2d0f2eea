//! A partner's part in its source's other campaigns than its own (a
//! FirstPromoter promoter in several): a partner has one group in
//! revshare, but each of its codes earns by the campaign it came from.
//! So a source campaign that became a group of its own is also, once a
//! partner holds codes in it besides its own campaign, a campaign here
//! (`{name}`, invite only, in the import campaign's currency and holdback,
//! its site as landing page) whose rules are that group's; the partner is
//! enrolled in it — its snapshot stamps those rules — and its codes of
//! that campaign are codes of it. A sale through one is attributed to
//! that campaign and earns its terms; a sale through the partner's own
//! codes earns its group's.
//!
//! A campaign is found again by its description, which names the source
//! campaign (`Imported from FirstPromoter: its campaign 2`), so a second
//! import makes none. A source campaign whose terms no group could hold
//! leaves its codes in the import's campaign, earning the partner's own
//! group's terms, with a problem row saying so.

use super::source::{Partner, Problem};
use super::target::{Codes, Counts, Target, checked_codes};
use crate::campaigns::{self, CampaignStatus, NewCampaign, Visibility, enrollment};
use crate::db::Txn;
use crate::directory::groups;
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use entity::campaign;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The partner's codes and coupons of its other campaigns at the source,
/// each in the campaign of that campaign's terms (the partner enrolled in
/// it); `partner_id` none: a dry run, counted only.
pub(super) async fn elsewhere_of(
    conn: &Txn,
    target: &mut Target,
    row: &Partner,
    partner_id: Option<&str>,
    book: &mut Codes,
    counts: &mut Counts,
) -> ApiResult<()> {
    for membership in &row.elsewhere {
        let codes = checked_codes(&row.key, &membership.codes, &membership.coupons, counts);
        let Some(partner_id) = partner_id.filter(|_| !target.dry) else {
            counts.codes += codes.len() as i64;
            continue;
        };
        let campaign_id = match campaign_of(conn, target, &membership.group_key).await? {
            Some(campaign) => {
                if !enrollment::is_enrolled(conn, partner_id, &campaign.id).await? {
                    enrollment::admitted(
                        conn,
                        &target.tenant_id,
                        &target.actor,
                        partner_id,
                        &campaign,
                    )
                    .await?;
                }
                campaign.id
            }
            None => {
                // An import into one group pays every code alike: nothing
                // to say then.
                if target.group_id.is_none() && !codes.is_empty() {
                    let home = row.group_key.as_deref().unwrap_or("of its own");
                    let other = &membership.group_key;
                    counts.problems.push(Problem::new(
                        "promoter",
                        &row.key,
                        format!(
                            "is in campaigns {home} and {other}: campaign {other}'s terms are no \
                             group's here, so its codes there earn campaign {home}'s terms"
                        ),
                    ));
                }
                target.campaign.id.clone()
            }
        };
        for (code, coupon) in codes {
            match book.take(target, &campaign_id, partner_id, &code, coupon.as_deref()) {
                true => counts.codes += 1,
                false => counts.problems.push(Problem::new(
                    "code",
                    &row.key,
                    format!("{code:?} is another partner's code or coupon already"),
                )),
            }
        }
    }
    Ok(())
}

/// The campaign of the source campaign `key`'s terms: found again, or
/// made; none when the source campaign became no group of its own (or the
/// import puts every partner in one group).
async fn campaign_of(
    conn: &Txn,
    target: &mut Target,
    key: &str,
) -> ApiResult<Option<campaign::Model>> {
    if target.group_id.is_some() {
        return Ok(None);
    }
    let Some(group_id) = target
        .groups
        .get(key)
        .filter(|id| !id.is_empty() && !id.starts_with("dry:"))
        .cloned()
    else {
        return Ok(None);
    };
    if let Some(made) = target.campaigns.get(key) {
        return Ok(Some(made.clone()));
    }
    let description = format!("Imported from {}: its campaign {key}", target.platform);
    let found = campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(target.tenant_id.as_str()))
        .filter(campaign::Column::Description.eq(description.as_str()))
        .one(conn)
        .await?;
    let made = match found {
        Some(found) => found,
        None => {
            let group = groups::find(conn, &target.tenant_id, &group_id)
                .await?
                .ok_or_else(|| ApiError::internal("imported group", &group_id))?;
            let currency = Currency::parse(&target.campaign.currency)
                .map_err(|e| ApiError::internal("import campaign currency", e))?;
            let site = target.sites.get(key).cloned().flatten();
            let landing_url = site
                .and_then(|url| {
                    campaigns::check_landing_url("url", Some(&url))
                        .ok()
                        .flatten()
                })
                .or_else(|| target.campaign.landing_url.clone());
            let new = NewCampaign {
                name: group.name.clone(),
                description: Some(description),
                description_translations: None,
                currency,
                rules: Some(groups::rules_of(&group)?),
                holdback_days: target.campaign.holdback_days,
                visibility: Visibility::InviteOnly,
                status: CampaignStatus::Active,
                landing_url,
                attribution_window_days: Some(target.campaign.attribution_window_days),
                application_questions: Vec::new(),
                auto_approve_applications: false,
                allow_paid_ads: target.campaign.allow_paid_ads,
                traffic_sources: None,
            };
            campaigns::insert(conn, &target.tenant_id, new, false).await?
        }
    };
    target.learn_campaign(key, made.clone());
    Ok(Some(made))
}
