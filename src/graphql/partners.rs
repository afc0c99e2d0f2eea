//! `Partner` and `Category`, their queries and mutations.

use super::campaigns::{Enrollment, PartnerCommission, TermsInForce};
use super::connection::{ListConnection, TotalCount, connection, list_connection};
use super::groups::PartnerGroup;
use super::ledger::{Balance, COMMISSION_LIMITS, Commission, Payout, balances};
use super::loaders::{
    BalanceOf, CampaignId, CategoriesOf, DefaultCampaign, EnrollmentsOf, GroupId,
    PartnerCommissions, PartnerPayouts, SnapshotsOf,
};
use super::scalars::DateTime;
use super::{Owner, db, guard, loader, page_args, principal, text_change, writer};
use crate::auth::{Principal, Scope};
use crate::campaigns::enrollment;
use crate::directory::categories;
use crate::directory::partners::{
    self, NewPartner, PartnerChanges, PartnerFilter, PartnerStatus, PartnerType,
};
use crate::error::{ApiError, ApiResult};
use crate::input;
use crate::ledger::CommissionStatus;
use crate::paging::{DEFAULT_LIMITS, Page, PageRequest};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::{category, partner, payout};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub struct Partner(pub partner::Model);

/// A partner's name is a label, shown wherever data that refers to the
/// partner is (its commissions, its campaigns); the rest of its record needs
/// `partners:read`. Its own token reads all of it.
const PARTNER_LABEL: &[Scope] = &[
    Scope::PartnersRead,
    Scope::CommissionsRead,
    Scope::CampaignsRead,
];
const PARTNER_DETAILS: &[Scope] = &[Scope::PartnersRead];

impl Partner {
    fn details(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, PARTNER_DETAILS, Owner::Partner(&self.0.id))
    }
}

/// A partner of the tenant's program: a referrer, reseller or distributor.
#[Object]
impl Partner {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PARTNER_LABEL, Owner::Partner(&self.0.id))?;
        Ok(&self.0.name)
    }

    async fn email(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.email.as_deref())
    }

    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.details(ctx)?;
        Ok(self.0.external_id.as_deref())
    }

    #[graphql(name = "type")]
    async fn partner_type(&self, ctx: &Context<'_>) -> ApiResult<PartnerType> {
        self.details(ctx)?;
        PartnerType::of(&self.0)
    }

    async fn status(&self, ctx: &Context<'_>) -> ApiResult<PartnerStatus> {
        self.details(ctx)?;
        PartnerStatus::of(&self.0)
    }

    /// The partner's group (the default group unless another was chosen).
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<PartnerGroup> {
        self.details(ctx)?;
        loader(ctx)?
            .load_one(GroupId(self.0.group_id.clone()))
            .await?
            .map(PartnerGroup)
            .ok_or_else(|| ApiError::internal("partner group", &self.0.group_id))
    }

    async fn categories(&self, ctx: &Context<'_>) -> ApiResult<Vec<Category>> {
        self.details(ctx)?;
        let found = loader(ctx)?
            .load_one(CategoriesOf(self.0.id.clone()))
            .await?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Category)
            .collect())
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.details(ctx)?;
        Ok(self.0.created_at.into())
    }

    async fn updated_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.details(ctx)?;
        Ok(self.0.updated_at.into())
    }

    /// The campaigns the partner is enrolled in, with the snapshot in force.
    async fn enrollments(&self, ctx: &Context<'_>) -> ApiResult<Vec<Enrollment>> {
        guard(ctx, &[Scope::CampaignsRead], Owner::Partner(&self.0.id))?;
        let loader = loader(ctx)?;
        let (enrollments, snapshots) = async_graphql::futures_util::future::try_join(
            loader.load_one(EnrollmentsOf(self.0.id.clone())),
            loader.load_one(SnapshotsOf(self.0.id.clone())),
        )
        .await?;
        let snapshots = snapshots.unwrap_or_default();
        Ok(enrollments
            .unwrap_or_default()
            .into_iter()
            .map(|row| {
                let snapshot = snapshots
                    .iter()
                    .rev()
                    .find(|s| s.campaign_id == row.campaign_id)
                    .cloned();
                Enrollment { row, snapshot }
            })
            .collect())
    }

    /// Every snapshot of the partner's terms, oldest first; the newest of a
    /// campaign is in force.
    async fn commission_snapshots(
        &self,
        ctx: &Context<'_>,
        campaign_id: Option<ID>,
    ) -> ApiResult<Vec<PartnerCommission>> {
        guard(ctx, &[Scope::CampaignsRead], Owner::Partner(&self.0.id))?;
        let snapshots = loader(ctx)?
            .load_one(SnapshotsOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(snapshots
            .into_iter()
            .filter(|s| campaign_id.as_ref().is_none_or(|c| c.0 == s.campaign_id))
            .map(PartnerCommission)
            .collect())
    }

    /// The rules and holdback of the partner's next event in a campaign (the
    /// default campaign when omitted), and where each comes from.
    async fn terms_in_force(
        &self,
        ctx: &Context<'_>,
        campaign_id: Option<ID>,
    ) -> ApiResult<Option<TermsInForce>> {
        let principal = principal(ctx)?;
        guard(ctx, &[Scope::CampaignsRead], Owner::Partner(&self.0.id))?;
        // Through the loaders: a page of partners asking for their terms is
        // three statements (campaign, snapshots, groups), not three per partner.
        let loader = loader(ctx)?;
        let campaign = match campaign_id {
            Some(id) => match loader.load_one(CampaignId(id.0)).await? {
                Some(campaign) => campaign,
                None => return Ok(None),
            },
            None => loader
                .load_one(DefaultCampaign)
                .await?
                .ok_or_else(|| ApiError::internal("default campaign", principal.tenant_id()))?,
        };
        // The newest snapshot row of this campaign (rows come oldest first).
        let snapshot = loader
            .load_one(SnapshotsOf(self.0.id.clone()))
            .await?
            .unwrap_or_default()
            .into_iter()
            .rfind(|s| s.campaign_id == campaign.id);
        let group = if enrollment::needs_group(snapshot.as_ref(), &campaign) {
            let group = loader.load_one(GroupId(self.0.group_id.clone())).await?;
            Some(group.ok_or_else(|| ApiError::internal("partner group", &self.0.group_id))?)
        } else {
            None
        };
        let terms = enrollment::resolve_terms(snapshot, &campaign, group.as_ref())?;
        Ok(Some(TermsInForce { terms, campaign }))
    }

    /// The partner's commissions, oldest first. A page costs the same
    /// whatever the partner's history, and so does `totalCount` (from the
    /// totals the ledger keeps).
    #[graphql(complexity = "super::list_cost(first, None, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        status: Option<CommissionStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ListConnection<Commission>> {
        guard(ctx, &[Scope::CommissionsRead], Owner::Partner(&self.0.id))?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        let key = PartnerCommissions {
            partner_id: self.0.id.clone(),
            status: status.map(CommissionStatus::as_str),
            size: request.size,
            after: request.cursor,
        };
        let loader = loader(ctx)?;
        let counted = ctx.look_ahead().field("totalCount").exists();
        let (page, totals) =
            async_graphql::futures_util::future::try_join(loader.load_one(key), async {
                match counted {
                    true => loader.load_one(BalanceOf(self.0.id.clone())).await,
                    false => Ok(None),
                }
            })
            .await?;
        let count: i64 = totals
            .unwrap_or_default()
            .iter()
            .filter(|t| status.is_none_or(|s| t.status == s.as_str()))
            .map(|t| t.commission_count)
            .sum();
        Ok(connection(
            page.unwrap_or_else(Page::empty),
            TotalCount::known(count.max(0) as u64),
            |c| c.id.clone(),
            Commission,
        ))
    }

    /// Totals per currency: accrued, approved (net of clawbacks) and paid.
    async fn balance(&self, ctx: &Context<'_>) -> ApiResult<Vec<Balance>> {
        guard(ctx, &[Scope::CommissionsRead], Owner::Partner(&self.0.id))?;
        balances(
            loader(ctx)?
                .load_one(BalanceOf(self.0.id.clone()))
                .await?
                .unwrap_or_default(),
        )
    }

    /// Payouts to the partner, oldest first.
    #[graphql(complexity = "super::list_cost(first, None, child_complexity)")]
    async fn payouts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<ListConnection<Payout>> {
        guard(ctx, &[Scope::CommissionsRead], Owner::Partner(&self.0.id))?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = PartnerPayouts {
            partner_id: self.0.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        let page = loader(ctx)?
            .load_one(key)
            .await?
            .unwrap_or_else(Page::empty);
        let total = TotalCount::of(
            db(ctx)?.conn(),
            payout::Entity::find().filter(payout::Column::PartnerId.eq(self.0.id.as_str())),
        );
        Ok(connection(page, total, |p| p.id.clone(), Payout))
    }
}

pub struct Category(pub category::Model);

/// A label a tenant gives partners (an industry, a region, …).
#[Object]
impl Category {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        guard(ctx, PARTNER_DETAILS, Owner::AnyPartner)?;
        Ok(&self.0.name)
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        guard(ctx, PARTNER_DETAILS, Owner::AnyPartner)?;
        Ok(self.0.created_at.into())
    }
}

#[derive(InputObject)]
pub struct CreatePartnerInput {
    pub name: String,
    pub email: Option<String>,
    /// Your own identifier for the partner; unique per tenant.
    pub external_id: Option<String>,
    #[graphql(name = "type", default)]
    pub partner_type: PartnerType,
    #[graphql(default)]
    pub status: PartnerStatus,
    /// Omitted: the tenant's default group.
    pub group_id: Option<ID>,
    #[graphql(default)]
    pub category_ids: Vec<ID>,
}

/// Omitted fields stay as they are; `null` clears `email` and `externalId`,
/// and a `null` `groupId` moves the partner to the default group.
#[derive(InputObject)]
pub struct UpdatePartnerInput {
    pub name: Option<String>,
    pub email: MaybeUndefined<String>,
    pub external_id: MaybeUndefined<String>,
    #[graphql(name = "type")]
    pub partner_type: Option<PartnerType>,
    pub status: Option<PartnerStatus>,
    pub group_id: MaybeUndefined<ID>,
    /// Replaces the partner's categories.
    pub category_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct CreateCategoryInput {
    pub name: String,
}

fn ids(ids: Vec<ID>) -> Vec<String> {
    ids.into_iter().map(|id| id.0).collect()
}

/// A checked new partner from its input (also used by invitations).
pub fn new_partner(input: CreatePartnerInput) -> ApiResult<NewPartner> {
    Ok(NewPartner {
        name: partners::check_name(&input.name)?,
        email: partners::check_email(input.email.as_deref())?,
        external_id: partners::check_external_id(input.external_id.as_deref())?,
        partner_type: input.partner_type,
        status: input.status,
        group_id: input.group_id.map(|id| id.0),
        category_ids: ids(input.category_ids),
    })
}

/// Whether `principal` may read partner `id`: a partner token reads itself only.
fn can_read_partner(principal: &Principal, id: &str) -> ApiResult<bool> {
    match principal.own_partner() {
        Some(own) => Ok(own == id),
        None => principal.require(Scope::PartnersRead).map(|_| true),
    }
}

#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// A partner by id; null when there is none the caller may see.
    async fn partner(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Partner>> {
        let principal = principal(ctx)?;
        if !can_read_partner(principal, &id)? {
            return Ok(None);
        }
        Ok(partners::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .map(Partner))
    }

    /// The tenant's partners, oldest first. `search` matches name, e-mail and
    /// external id. A partner token lists only itself.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::list_cost(first, last, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        group_id: Option<ID>,
        status: Option<PartnerStatus>,
        #[graphql(name = "type")] partner_type: Option<PartnerType>,
        search: Option<String>,
    ) -> ApiResult<ListConnection<Partner>> {
        let principal = principal(ctx)?;
        let only = principal.own_partner().map(str::to_owned);
        if only.is_none() {
            principal.require(Scope::PartnersRead)?;
        }
        let request = PageRequest::parse(page_args(first, after, last, before), DEFAULT_LIMITS)?;
        let filter = PartnerFilter {
            group_id: group_id.map(|id| id.0),
            status,
            partner_type,
            search: input::search(search.as_deref())?,
            only,
        };
        let select = partners::list(principal.tenant_id(), &filter);
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            partner::Column::Id,
            Partner,
        )
        .await
    }

    /// The tenant's categories, oldest first.
    #[graphql(complexity = "super::list_cost(first, None, child_complexity)")]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        search: Option<String>,
    ) -> ApiResult<ListConnection<Category>> {
        let principal = principal(ctx)?;
        principal.require(Scope::PartnersRead)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = categories::list(
            principal.tenant_id(),
            input::search(search.as_deref())?.as_deref(),
        );
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            category::Column::Id,
            Category,
        )
        .await
    }
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        input: CreatePartnerInput,
    ) -> ApiResult<Partner> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let new = NewPartner {
            name: partners::check_name(&input.name)?,
            email: partners::check_email(input.email.as_deref())?,
            external_id: partners::check_external_id(input.external_id.as_deref())?,
            partner_type: input.partner_type,
            status: input.status,
            group_id: input.group_id.map(|id| id.0),
            category_ids: ids(input.category_ids),
        };
        Ok(Partner(
            partners::create(db(ctx)?, principal.tenant_id(), new).await?,
        ))
    }

    async fn update_partner(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdatePartnerInput,
    ) -> ApiResult<Partner> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let changes = PartnerChanges {
            name: input.name.map(|n| partners::check_name(&n)).transpose()?,
            email: text_change(input.email, partners::check_email)?,
            external_id: text_change(input.external_id, partners::check_external_id)?,
            partner_type: input.partner_type,
            status: input.status,
            group_id: match input.group_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(id.0)),
            },
            category_ids: input.category_ids.map(ids),
        };
        Ok(Partner(
            partners::update(db(ctx)?, principal.tenant_id(), &id, changes).await?,
        ))
    }

    async fn create_category(
        &self,
        ctx: &Context<'_>,
        input: CreateCategoryInput,
    ) -> ApiResult<Category> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        Ok(Category(
            categories::create(db(ctx)?, principal.tenant_id(), &input.name).await?,
        ))
    }
}
