//! Campaigns, partnership requests, invitations and amendments: queries
//! and mutations.

use super::partners::{CreatePartnerInput, new_partner};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, forget_reads, page_args, policy, text_change, writer};
use crate::graphql::enums::{CampaignStatus, PartnerType, RequestStatus, Visibility};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Campaign, Enrollment, PartnerCommission, PartnershipRequest};
use crate::graphql::ready::Ready;
use crate::graphql::rules::{DescriptionTranslationInput, GroupRuleInput, rule_set};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::partnership_request;
use revshare_core::auth::Scope;
use revshare_core::campaigns::enrollment::{self, Invitation, SnapshotTerms};
use revshare_core::campaigns::{self, CampaignChanges, CampaignFilter, NewCampaign};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::input;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A campaign to create.
#[derive(InputObject)]
pub struct CreateCampaignInput {
    /// Its name.
    pub name: String,
    /// Defaults to the tenant's currency.
    pub currency: Option<String>,
    /// Omitted: partners' group rules apply.
    pub rules: Option<Vec<GroupRuleInput>>,
    /// Days before a commission matures and is approved (none: approved by
    /// hand).
    pub holdback_days: Option<i32>,
    /// Public (the default: partners may apply) or invite only.
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    /// What partners promote in it.
    pub description: Option<String>,
    /// The description in other languages (SPEC §38): a partner reading
    /// one of them reads it so; every other reader, as written.
    #[graphql(default)]
    pub description_translations: Vec<DescriptionTranslationInput>,
    /// Where referral links land: an absolute `https` URL.
    pub landing_url: Option<String>,
    /// How long a click attributes (1–730 days; omitted: 90).
    pub attribution_window_days: Option<i32>,
    /// What its public application form asks besides name, e-mail, website
    /// and country (at most 10, each up to 500 characters).
    pub application_questions: Option<Vec<String>>,
    /// Approve an application as soon as its address is confirmed (false by
    /// default: staff decide).
    pub auto_approve_applications: Option<bool>,
    /// Whether partners may send paid-ad traffic (true by default); when
    /// false, a click from a paid ad is flagged (`PAID_AD_CLICK`).
    pub allow_paid_ads: Option<bool>,
    /// The traffic its clicks earn nothing from (SPEC §37); omitted:
    /// none.
    pub traffic_sources: Option<super::links::TrafficSourcesInput>,
}

fn translations_given(given: Vec<DescriptionTranslationInput>) -> Vec<(String, String)> {
    given.into_iter().map(|t| (t.language, t.text)).collect()
}

/// Omitted fields stay as they are; `null` clears `description`, `rules` and
/// `holdbackDays`. The currency cannot change.
#[derive(InputObject)]
pub struct UpdateCampaignInput {
    /// A new name.
    pub name: Option<String>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
    /// Its translations, all of them (SPEC §38); null or `[]`: none.
    pub description_translations: MaybeUndefined<Vec<DescriptionTranslationInput>>,
    /// New rules; null falls through to the partners' groups. Snapshots stamped
    /// already do not change.
    pub rules: MaybeUndefined<Vec<GroupRuleInput>>,
    /// A new holdback; null: approved by hand.
    pub holdback_days: MaybeUndefined<i32>,
    /// A new visibility.
    pub visibility: Option<Visibility>,
    /// A new status.
    pub status: Option<CampaignStatus>,
    /// `null` clears it: links are then `404`.
    pub landing_url: MaybeUndefined<String>,
    /// Days after a click within which its customer is attributed.
    pub attribution_window_days: Option<i32>,
    /// New application questions (the whole list; `[]`: none).
    pub application_questions: Option<Vec<String>>,
    /// Whether confirmed applications are approved at once.
    pub auto_approve_applications: Option<bool>,
    /// Whether partners may send paid-ad traffic.
    pub allow_paid_ads: Option<bool>,
    /// What each partner may earn in the campaign in a period (SPEC §31);
    /// `null`: no cap.
    pub cap: MaybeUndefined<super::engagement::SpendCapInput>,
    /// The traffic its clicks earn nothing from (SPEC §37), replacing what
    /// it had.
    pub traffic_sources: Option<super::links::TrafficSourcesInput>,
}

/// Terms to stamp instead of the campaign's.
#[derive(InputObject)]
pub struct CommissionSnapshotInput {
    /// Rules of the partner's own; null falls through to the campaign's.
    pub rules: Option<Vec<GroupRuleInput>>,
    /// A holdback of its own; null falls through to the campaign's.
    pub holdback_days: Option<i32>,
}

/// A partner to create and enroll in a campaign with its terms stamped.
#[derive(InputObject)]
pub struct InvitePartnerInput {
    /// Its name.
    pub name: String,
    /// Where the partner is written to.
    pub email: Option<String>,
    /// Your own identifier for the partner; unique per tenant.
    pub external_id: Option<String>,
    /// A referrer (the default), a reseller or a distributor.
    #[graphql(name = "type", default)]
    pub partner_type: PartnerType,
    /// Its group (omitted: the default group).
    pub group_id: Option<ID>,
    /// The categories to label it with.
    #[graphql(default)]
    pub category_ids: Vec<ID>,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// The terms to stamp (omitted: the campaign's as they are).
    pub commission_snapshot: Option<CommissionSnapshotInput>,
    /// Its language (SPEC §38), one the tenant offers; omitted: the
    /// tenant's default.
    pub language: Option<String>,
}

/// New terms for a partner in a campaign, kept as a new snapshot.
#[derive(InputObject)]
pub struct AmendPartnerCommissionInput {
    /// The partner.
    pub partner_id: ID,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// Omitted: the partner falls through to the campaign's (or group's) rules.
    pub rules: Option<Vec<GroupRuleInput>>,
    /// Omitted: the partner falls through to the campaign's holdback.
    pub holdback_days: Option<i32>,
    /// Why the terms change; kept in the history.
    pub note: String,
}

fn snapshot_terms(
    field: &str,
    rules: Option<Vec<GroupRuleInput>>,
    holdback_days: Option<i32>,
) -> ApiResult<SnapshotTerms> {
    Ok(SnapshotTerms {
        rules: rules
            .map(|r| rule_set(&format!("{field}.rules"), r))
            .transpose()?,
        holdback_days: campaigns::check_holdback(&format!("{field}.holdbackDays"), holdback_days)?,
    })
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// A campaign by id; null when there is none the caller may see.
    pub(crate) async fn campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Option<Campaign>> {
        let policy = policy(ctx)?;
        let rows = policy.list(revshare_core::auth::access::Kind::Campaign, None)?;
        let found = campaigns::visible(db(ctx)?.conn(), policy.tenant_id(), &id, &rows).await?;
        Ok(found.and_then(|row| Campaign::seen_in(ctx, row.into())))
    }

    /// The tenant's campaigns, oldest first. A partner token sees active
    /// public campaigns, the default campaign and its own.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, last, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "How many items from the end, or before `before` (1 to 100).")]
        last: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.startCursor`): the page ends before it.")]
        before: Option<String>,
        #[graphql(desc = "Only campaigns in this status.")] status: Option<CampaignStatus>,
        #[graphql(desc = "Only campaigns of this visibility.")] visibility: Option<Visibility>,
        #[graphql(desc = "Only campaigns whose name contains this text (any case).")]
        search: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Campaign>>> {
        let policy = policy(ctx)?;
        let rows = policy.list(revshare_core::auth::access::Kind::Campaign, None)?;
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let filter = CampaignFilter {
            status: status.map(Into::into),
            visibility: visibility.map(Into::into),
            search: input::search(search.as_deref())?,
            rows,
        };
        let select = campaigns::list(policy.tenant_id(), &filter);
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                entity::campaign::Column::Id,
            ),
            |row| Campaign::seen_in(ctx, row.into()).map(Ready),
        )
        .await
    }

    /// Partnership requests across the tenant (a partner sees its own).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn partnership_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "Only requests in this status.")] status: Option<RequestStatus>,
        #[graphql(desc = "Only requests to this campaign.")] campaign_id: Option<ID>,
    ) -> ApiResult<ListConnection<PartnershipRequest>> {
        let policy = policy(ctx)?;
        let rows = policy.list(revshare_core::auth::access::Kind::Campaign, None)?;
        let status = status.map(entity::enums::RequestStatus::from);
        let campaign_id = campaign_id.as_ref().map(|id| id.as_str());
        let select = enrollment::requests(policy.tenant_id(), &rows, status, campaign_id);
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                partnership_request::Column::Id,
            ),
            PartnershipRequest::for_caller(policy),
        )
        .await
    }
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Creates a campaign (`campaigns:write`).
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign to create.")] input: CreateCampaignInput,
    ) -> ApiResult<Campaign> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let currency = match &input.currency {
            Some(code) => campaigns::check_currency("input.currency", code)?,
            None => principal.tenant.currency,
        };
        let new = NewCampaign {
            name: campaigns::check_name(&input.name)?,
            description: campaigns::check_description(input.description.as_deref())?,
            description_translations: campaigns::check_description_translations(
                translations_given(input.description_translations),
            )?,
            currency,
            rules: input
                .rules
                .map(|r| rule_set("input.rules", r))
                .transpose()?,
            holdback_days: campaigns::check_holdback("input.holdbackDays", input.holdback_days)?,
            visibility: input.visibility.into(),
            status: entity::enums::CampaignStatus::Active,
            landing_url: campaigns::check_landing_url(
                "input.landingUrl",
                input.landing_url.as_deref(),
            )?,
            attribution_window_days: input
                .attribution_window_days
                .map(|d| campaigns::check_window("input.attributionWindowDays", d))
                .transpose()?,
            application_questions: campaigns::check_questions(
                "input.applicationQuestions",
                input.application_questions.unwrap_or_default(),
            )?,
            auto_approve_applications: input.auto_approve_applications.unwrap_or(false),
            allow_paid_ads: input.allow_paid_ads.unwrap_or(true),
            traffic_sources: input
                .traffic_sources
                .map(|t| t.encoded("input.trafficSources"))
                .transpose()?,
        };
        Campaign::shown(
            ctx,
            campaigns::create(db(ctx)?, principal.tenant_id(), new)
                .await?
                .into(),
        )
    }

    /// Changes a campaign. Partners already enrolled keep their snapshot.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateCampaignInput,
    ) -> ApiResult<Campaign> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let changes = CampaignChanges {
            name: input.name.map(|n| campaigns::check_name(&n)).transpose()?,
            description: text_change(input.description, campaigns::check_description)?,
            description_translations: match input.description_translations {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(given) => Some(campaigns::check_description_translations(
                    translations_given(given),
                )?),
            },
            rules: match input.rules {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(rules) => Some(Some(rule_set("input.rules", rules)?)),
            },
            holdback_days: match input.holdback_days {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(days) => {
                    Some(campaigns::check_holdback("input.holdbackDays", Some(days))?)
                }
            },
            visibility: input.visibility.map(Into::into),
            status: input.status.map(Into::into),
            landing_url: match input.landing_url {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(url) => Some(campaigns::check_landing_url(
                    "input.landingUrl",
                    Some(&url),
                )?),
            },
            attribution_window_days: input
                .attribution_window_days
                .map(|d| campaigns::check_window("input.attributionWindowDays", d))
                .transpose()?,
            application_questions: input
                .application_questions
                .map(|q| campaigns::check_questions("input.applicationQuestions", q))
                .transpose()?,
            auto_approve_applications: input.auto_approve_applications,
            allow_paid_ads: input.allow_paid_ads,
            cap: super::engagement::cap_change("input.cap", input.cap)?,
            traffic_sources: input
                .traffic_sources
                .map(|t| t.encoded("input.trafficSources"))
                .transpose()?,
        };
        Campaign::shown(
            ctx,
            campaigns::update(db(ctx)?, principal.tenant_id(), &id, changes)
                .await?
                .into(),
        )
    }

    /// Closes a campaign for good: no more events or applications.
    async fn archive_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign's id.")] id: ID,
    ) -> ApiResult<Campaign> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let changes = CampaignChanges {
            status: Some(entity::enums::CampaignStatus::Archived),
            ..Default::default()
        };
        let archived = campaigns::update(db(ctx)?, principal.tenant_id(), &id, changes)
            .await
            .map_err(|e| match e {
                ApiError::BadInput { message, .. } => ApiError::bad_input("id", message),
                other => other,
            })?;
        Campaign::shown(ctx, archived.into())
    }

    /// A partner asks to join a public campaign (partner tokens only).
    async fn apply_to_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The public campaign the partner applies to.")] campaign_id: ID,
    ) -> ApiResult<PartnershipRequest> {
        let policy = policy(ctx)?;
        let partner_id = policy.partner_acting("only a partner token can apply to a campaign")?;
        forget_reads(ctx)?;
        let request =
            enrollment::apply(db(ctx)?, policy.tenant_id(), partner_id, &campaign_id).await?;
        Ok(PartnershipRequest::shown(ctx, request)?)
    }

    /// Approves a pending request: enrolls the partner and stamps the
    /// campaign's current terms onto its snapshot.
    async fn approve_partnership_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
    ) -> ApiResult<Enrollment> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let enrolled =
            enrollment::approve(db(ctx)?, principal.tenant_id(), &principal.subject, &id).await?;
        enrollment_of(ctx, enrolled)
    }

    /// Rejects a partner's application to a campaign, saying why
    /// (`campaigns:write`).
    async fn reject_partnership_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request's id.")] id: ID,
        #[graphql(desc = "Why: shown to the partner.")] reason: String,
    ) -> ApiResult<PartnershipRequest> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let reason = input::required_text("reason", &reason, input::MAX_NOTE_CHARS)?;
        let rejected = enrollment::reject(db(ctx)?, principal.tenant_id(), &id, reason).await?;
        PartnershipRequest::shown(ctx, rejected)
    }

    /// Creates a partner enrolled in a campaign, with its snapshot, at once.
    async fn invite_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner to create and enroll, and its terms.")]
        input: InvitePartnerInput,
    ) -> ApiResult<Enrollment> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        principal.require(Scope::PartnersWrite)?;
        let partner = new_partner(CreatePartnerInput {
            name: input.name,
            email: input.email,
            external_id: input.external_id,
            partner_type: input.partner_type,
            status: crate::graphql::enums::PartnerStatus::Active,
            group_id: input.group_id,
            category_ids: input.category_ids,
            country: None,
            tags: Vec::new(),
            language: input.language,
        })?;
        let snapshot = input
            .commission_snapshot
            .map(|s| snapshot_terms("input.commissionSnapshot", s.rules, s.holdback_days))
            .transpose()?;
        let invitation = Invitation {
            partner,
            campaign_id: input.campaign_id.map(|id| id.0),
            snapshot,
        };
        let enrolled = enrollment::invite(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            invitation,
        )
        .await?;
        enrollment_of(ctx, enrolled)
    }

    /// Appends an `AMENDMENT` snapshot: the partner's next events use it.
    async fn amend_partner_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner, the campaign and its new terms.")]
        input: AmendPartnerCommissionInput,
    ) -> ApiResult<PartnerCommission> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let terms = snapshot_terms("input", input.rules, input.holdback_days)?;
        let note = input::required_text("input.note", &input.note, input::MAX_NOTE_CHARS)?;
        let db = db(ctx)?;
        let campaign_id = match input.campaign_id {
            Some(id) => id.0,
            None => {
                campaigns::default_campaign(db.conn(), principal.tenant_id())
                    .await?
                    .id
            }
        };
        let snapshot = enrollment::amend(
            db,
            principal.tenant_id(),
            &principal.subject,
            &input.partner_id,
            &campaign_id,
            terms,
            note,
        )
        .await?;
        Ok(PartnerCommission::shown(ctx, snapshot)?)
    }
}

fn enrollment_of(ctx: &Context<'_>, enrolled: enrollment::Enrolled) -> ApiResult<Enrollment> {
    let enrollment = Enrollment::shown(ctx, enrolled.enrollment)?;
    Ok(Enrollment {
        snapshot: Some(enrolled.snapshot),
        ..enrollment
    })
}
