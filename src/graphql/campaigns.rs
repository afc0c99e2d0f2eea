//! `Campaign`, partnership requests, enrollments, snapshots and terms in force.

use super::connection::{ListConnection, list_connection};
use super::loaders::{CampaignId, PartnerId, SnapshotId};
use super::partners::{CreatePartnerInput, Partner, new_partner};
use super::rules::{GroupRule, GroupRuleInput, group_rules, rule_set};
use super::scalars::DateTime;
use super::{Owner, db, forget_reads, guard, loader, page_args, principal, text_change, writer};
use crate::auth::{Principal, Scope};
use crate::campaigns::enrollment::{
    self, Enrolled, Invitation, RequestStatus, SnapshotSource, SnapshotTerms, Terms, TermsSource,
};
use crate::campaigns::{
    self, CampaignChanges, CampaignFilter, CampaignStatus, NewCampaign, Visibility,
};
use crate::directory::groups;
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::paging::{DEFAULT_LIMITS, PageRequest};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{campaign, enrollment as enrollment_row, partner_commission, partnership_request};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub struct Campaign(pub campaign::Model);

/// A campaign's name is a label, shown beside the commissions it earned;
/// the rest needs `campaigns:read`. Partner tokens reach only campaigns open
/// to them (public, the default, their own).
const CAMPAIGN_LABEL: &[Scope] = &[Scope::CampaignsRead, Scope::CommissionsRead];
const CAMPAIGN_DETAILS: &[Scope] = &[Scope::CampaignsRead];

impl Campaign {
    fn details(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, CAMPAIGN_DETAILS, Owner::AnyPartner)
    }
}

/// An offer partners promote, with its commission terms.
#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, CAMPAIGN_LABEL, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.description.as_deref())
    }

    async fn status(&self, ctx: &Context<'_>) -> ApiResult<CampaignStatus> {
        self.details(ctx)?;
        CampaignStatus::parse(&self.0.status)
    }

    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.details(ctx)?;
        Ok(&self.0.currency)
    }

    /// The campaign's own rules; null when partners fall through to their group's.
    async fn rules(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<GroupRule>>> {
        self.details(ctx)?;
        Ok(campaigns::rules_of(&self.0)?.as_ref().map(group_rules))
    }

    /// Days a commission waits before it matures and is approved automatically.
    async fn holdback_days(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        self.details(ctx)?;
        Ok(self.0.holdback_days)
    }

    async fn visibility(&self, ctx: &Context<'_>) -> ApiResult<Visibility> {
        self.details(ctx)?;
        Visibility::parse(&self.0.visibility)
    }

    /// Every partner takes part in the default campaign without enrolling.
    async fn is_default(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.details(ctx)?;
        Ok(self.0.is_default)
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.details(ctx)?;
        Ok(self.0.created_at.into())
    }

    async fn updated_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.details(ctx)?;
        Ok(self.0.updated_at.into())
    }
}

pub(super) async fn load_partner(ctx: &Context<'_>, id: &str) -> ApiResult<Partner> {
    loader(ctx)?
        .load_one(PartnerId(id.to_owned()))
        .await?
        .map(Partner)
        .ok_or_else(|| ApiError::internal("partner", id))
}

pub(super) async fn load_campaign(ctx: &Context<'_>, id: &str) -> ApiResult<Campaign> {
    loader(ctx)?
        .load_one(CampaignId(id.to_owned()))
        .await?
        .map(Campaign)
        .ok_or_else(|| ApiError::internal("campaign", id))
}

pub(super) async fn load_snapshot(
    ctx: &Context<'_>,
    id: Option<&String>,
) -> ApiResult<Option<PartnerCommission>> {
    match id {
        Some(id) => Ok(loader(ctx)?
            .load_one(SnapshotId(id.clone()))
            .await?
            .map(PartnerCommission)),
        None => Ok(None),
    }
}

/// Enrollment data (requests, enrollments) is the campaign manager's and
/// the partner's own.
fn enrollment_data(ctx: &Context<'_>, partner_id: &str) -> ApiResult<()> {
    guard(ctx, &[Scope::CampaignsRead], Owner::Partner(partner_id))
}

pub struct PartnershipRequest(pub partnership_request::Model);

/// A partner's request to join a public campaign.
#[Object]
impl PartnershipRequest {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        enrollment_data(ctx, &self.0.partner_id)?;
        load_partner(ctx, &self.0.partner_id).await
    }

    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        enrollment_data(ctx, &self.0.partner_id)?;
        load_campaign(ctx, &self.0.campaign_id).await
    }

    async fn status(&self, ctx: &Context<'_>) -> ApiResult<RequestStatus> {
        enrollment_data(ctx, &self.0.partner_id)?;
        RequestStatus::parse(&self.0.status)
    }

    /// Why the request was rejected.
    async fn reason(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.reason.as_deref())
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.created_at.into())
    }

    async fn decided_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        enrollment_data(ctx, &self.0.partner_id)?;
        Ok(self.0.decided_at.map(DateTime))
    }
}

/// A partner's place in a campaign, with the snapshot stamped when it joined
/// (or, when listed later, the snapshot in force now).
pub struct Enrollment {
    pub row: enrollment_row::Model,
    pub snapshot: Option<partner_commission::Model>,
}

impl From<Enrolled> for Enrollment {
    fn from(enrolled: Enrolled) -> Self {
        Enrollment {
            row: enrolled.enrollment,
            snapshot: Some(enrolled.snapshot),
        }
    }
}

#[Object]
impl Enrollment {
    async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        enrollment_data(ctx, &self.row.partner_id)?;
        load_partner(ctx, &self.row.partner_id).await
    }

    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        enrollment_data(ctx, &self.row.partner_id)?;
        load_campaign(ctx, &self.row.campaign_id).await
    }

    async fn snapshot(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerCommission>> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(self.snapshot.clone().map(PartnerCommission))
    }

    /// `APPROVAL` or `INVITE`.
    async fn source(&self, ctx: &Context<'_>) -> ApiResult<SnapshotSource> {
        enrollment_data(ctx, &self.row.partner_id)?;
        SnapshotSource::parse(&self.row.source)
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        enrollment_data(ctx, &self.row.partner_id)?;
        Ok(self.row.created_at.into())
    }
}

pub struct PartnerCommission(pub partner_commission::Model);

impl PartnerCommission {
    /// The terms a commission was computed with are part of the ledger's
    /// audit trail too.
    fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(
            ctx,
            &[Scope::CampaignsRead, Scope::CommissionsRead],
            Owner::Partner(&self.0.partner_id),
        )
    }
}

/// A snapshot of the terms a partner has in a campaign. Null fields fall
/// through to the campaign (and, for rules, to the group).
#[Object]
impl PartnerCommission {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        load_partner(ctx, &self.0.partner_id).await
    }

    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        self.readable(ctx)?;
        load_campaign(ctx, &self.0.campaign_id).await
    }

    async fn rules(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<GroupRule>>> {
        self.readable(ctx)?;
        Ok(self
            .0
            .rules
            .as_ref()
            .map(groups::decode_rules)
            .transpose()?
            .as_ref()
            .map(group_rules))
    }

    async fn holdback_days(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        self.readable(ctx)?;
        Ok(self.0.holdback_days)
    }

    async fn source(&self, ctx: &Context<'_>) -> ApiResult<SnapshotSource> {
        self.readable(ctx)?;
        SnapshotSource::parse(&self.0.source)
    }

    /// Why an amendment was made.
    async fn note(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.note.as_deref())
    }

    /// The `sub` of the token that stamped it.
    async fn created_by(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.created_by)
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }
}

/// The terms that apply to a partner's next event in a campaign, and where
/// each comes from.
pub struct TermsInForce {
    pub terms: Terms,
    pub campaign: campaign::Model,
}

#[Object]
impl TermsInForce {
    async fn campaign(&self) -> Campaign {
        Campaign(self.campaign.clone())
    }

    async fn rules(&self) -> Vec<GroupRule> {
        group_rules(&self.terms.rules)
    }

    async fn rules_source(&self) -> TermsSource {
        self.terms.rules_source
    }

    async fn holdback_days(&self) -> Option<i32> {
        self.terms.holdback_days
    }

    async fn holdback_source(&self) -> TermsSource {
        self.terms.holdback_source
    }

    /// The snapshot in force, if the partner has one for the campaign.
    async fn snapshot(&self) -> Option<PartnerCommission> {
        self.terms.snapshot.clone().map(PartnerCommission)
    }
}

#[derive(InputObject)]
pub struct CreateCampaignInput {
    pub name: String,
    /// Defaults to the tenant's currency.
    pub currency: Option<String>,
    /// Omitted: partners' group rules apply.
    pub rules: Option<Vec<GroupRuleInput>>,
    pub holdback_days: Option<i32>,
    #[graphql(default_with = "Visibility::Public")]
    pub visibility: Visibility,
    pub description: Option<String>,
}

/// Omitted fields stay as they are; `null` clears `description`, `rules` and
/// `holdbackDays`. The currency cannot change.
#[derive(InputObject)]
pub struct UpdateCampaignInput {
    pub name: Option<String>,
    pub description: MaybeUndefined<String>,
    pub rules: MaybeUndefined<Vec<GroupRuleInput>>,
    pub holdback_days: MaybeUndefined<i32>,
    pub visibility: Option<Visibility>,
    pub status: Option<CampaignStatus>,
}

/// Terms to stamp instead of the campaign's.
#[derive(InputObject)]
pub struct CommissionSnapshotInput {
    pub rules: Option<Vec<GroupRuleInput>>,
    pub holdback_days: Option<i32>,
}

#[derive(InputObject)]
pub struct InvitePartnerInput {
    pub name: String,
    pub email: Option<String>,
    pub external_id: Option<String>,
    #[graphql(name = "type", default)]
    pub partner_type: crate::directory::partners::PartnerType,
    pub group_id: Option<ID>,
    #[graphql(default)]
    pub category_ids: Vec<ID>,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    pub commission_snapshot: Option<CommissionSnapshotInput>,
}

#[derive(InputObject)]
pub struct AmendPartnerCommissionInput {
    pub partner_id: ID,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// Omitted: the partner falls through to the campaign's (or group's) rules.
    pub rules: Option<Vec<GroupRuleInput>>,
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

/// A campaign the principal may see: partners see public ones, the default
/// and their own; others need `campaigns:read`.
async fn visible_campaign(
    ctx: &Context<'_>,
    principal: &Principal,
    id: &str,
) -> ApiResult<Option<campaign::Model>> {
    let conn = db(ctx)?.conn();
    match principal.own_partner() {
        Some(partner_id) => Ok(campaign::Entity::find_by_id(id.to_owned())
            .filter(campaign::Column::TenantId.eq(principal.tenant_id()))
            .filter(enrollment::visible_to(partner_id))
            .one(conn)
            .await?),
        None => {
            principal.require(Scope::CampaignsRead)?;
            campaigns::find(conn, principal.tenant_id(), id).await
        }
    }
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// A campaign by id; null when there is none the caller may see.
    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Campaign>> {
        let principal = principal(ctx)?;
        Ok(visible_campaign(ctx, principal, &id).await?.map(Campaign))
    }

    /// The tenant's campaigns, oldest first. A partner token sees active
    /// public campaigns, the default campaign and its own.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::list_cost(first, last, child_complexity)")]
    async fn campaigns(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        status: Option<CampaignStatus>,
        visibility: Option<Visibility>,
        search: Option<String>,
    ) -> ApiResult<ListConnection<Campaign>> {
        let principal = principal(ctx)?;
        let visible_to_partner = principal.own_partner().map(str::to_owned);
        if visible_to_partner.is_none() {
            principal.require(Scope::CampaignsRead)?;
        }
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let filter = CampaignFilter {
            status,
            visibility,
            search: input::search(search.as_deref())?,
            visible_to_partner,
        };
        let select = campaigns::list(principal.tenant_id(), &filter);
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            campaign::Column::Id,
            Campaign,
        )
        .await
    }

    /// Partnership requests across the tenant (a partner sees its own).
    #[graphql(complexity = "super::list_cost(first, None, child_complexity)")]
    async fn partnership_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<RequestStatus>,
        campaign_id: Option<ID>,
    ) -> ApiResult<ListConnection<PartnershipRequest>> {
        let principal = principal(ctx)?;
        let mut select = partnership_request::Entity::find()
            .filter(partnership_request::Column::TenantId.eq(principal.tenant_id()));
        match principal.own_partner() {
            Some(partner_id) => {
                select = select.filter(partnership_request::Column::PartnerId.eq(partner_id))
            }
            None => principal.require(Scope::CampaignsRead)?,
        }
        if let Some(status) = status {
            select = select.filter(partnership_request::Column::Status.eq(status.as_str()));
        }
        if let Some(campaign_id) = campaign_id {
            select = select.filter(partnership_request::Column::CampaignId.eq(campaign_id.0));
        }
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            partnership_request::Column::Id,
            PartnershipRequest,
        )
        .await
    }
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        input: CreateCampaignInput,
    ) -> ApiResult<Campaign> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let currency = match &input.currency {
            Some(code) => campaigns::check_currency("input.currency", code)?,
            None => principal.tenant.currency,
        };
        let new = NewCampaign {
            name: campaigns::check_name(&input.name)?,
            description: campaigns::check_description(input.description.as_deref())?,
            currency,
            rules: input
                .rules
                .map(|r| rule_set("input.rules", r))
                .transpose()?,
            holdback_days: campaigns::check_holdback("input.holdbackDays", input.holdback_days)?,
            visibility: input.visibility,
            status: CampaignStatus::Active,
        };
        Ok(Campaign(
            campaigns::create(db(ctx)?, principal.tenant_id(), new).await?,
        ))
    }

    /// Changes a campaign. Partners already enrolled keep their snapshot.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCampaignInput,
    ) -> ApiResult<Campaign> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let changes = CampaignChanges {
            name: input.name.map(|n| campaigns::check_name(&n)).transpose()?,
            description: text_change(input.description, campaigns::check_description)?,
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
            visibility: input.visibility,
            status: input.status,
        };
        Ok(Campaign(
            campaigns::update(db(ctx)?, principal.tenant_id(), &id, changes).await?,
        ))
    }

    /// Closes a campaign for good: no more events or applications.
    async fn archive_campaign(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Campaign> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let changes = CampaignChanges {
            status: Some(CampaignStatus::Archived),
            ..Default::default()
        };
        let archived = campaigns::update(db(ctx)?, principal.tenant_id(), &id, changes)
            .await
            .map_err(|e| match e {
                ApiError::BadInput { message, .. } => ApiError::bad_input("id", message),
                other => other,
            })?;
        Ok(Campaign(archived))
    }

    /// A partner asks to join a public campaign (partner tokens only).
    async fn apply_to_campaign(
        &self,
        ctx: &Context<'_>,
        campaign_id: ID,
    ) -> ApiResult<PartnershipRequest> {
        let principal = principal(ctx)?;
        let partner_id = principal.own_partner().ok_or_else(|| {
            ApiError::Forbidden("only a partner token can apply to a campaign".into())
        })?;
        forget_reads(ctx)?;
        let request =
            enrollment::apply(db(ctx)?, principal.tenant_id(), partner_id, &campaign_id).await?;
        Ok(PartnershipRequest(request))
    }

    /// Approves a pending request: enrolls the partner and stamps the
    /// campaign's current terms onto its snapshot.
    async fn approve_partnership_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Enrollment> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let enrolled =
            enrollment::approve(db(ctx)?, principal.tenant_id(), &principal.subject, &id).await?;
        Ok(enrolled.into())
    }

    async fn reject_partnership_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> ApiResult<PartnershipRequest> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let reason = input::required_text("reason", &reason, 2000)?;
        Ok(PartnershipRequest(
            enrollment::reject(db(ctx)?, principal.tenant_id(), &id, reason).await?,
        ))
    }

    /// Creates a partner enrolled in a campaign, with its snapshot, at once.
    async fn invite_partner(
        &self,
        ctx: &Context<'_>,
        input: InvitePartnerInput,
    ) -> ApiResult<Enrollment> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        principal.require(Scope::PartnersWrite)?;
        let partner = new_partner(CreatePartnerInput {
            name: input.name,
            email: input.email,
            external_id: input.external_id,
            partner_type: input.partner_type,
            status: crate::directory::partners::PartnerStatus::Active,
            group_id: input.group_id,
            category_ids: input.category_ids,
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
        Ok(enrolled.into())
    }

    /// Appends an `AMENDMENT` snapshot: the partner's next events use it.
    async fn amend_partner_commission(
        &self,
        ctx: &Context<'_>,
        input: AmendPartnerCommissionInput,
    ) -> ApiResult<PartnerCommission> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let terms = snapshot_terms("input", input.rules, input.holdback_days)?;
        let note = input::required_text("input.note", &input.note, 2000)?;
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
        Ok(PartnerCommission(snapshot))
    }
}
