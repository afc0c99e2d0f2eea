//! Retainers (SPEC §37) as they are read: a fixed amount on a cadence,
//! and the period a `RETAINER` commission pays.

use super::{Campaign, Money, Partner, PartnerGroup, Seen};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, loader, page_args, policy};
use crate::graphql::loaders::{GroupId, load_campaign, load_partner};
use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::retainer;
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::retainers as rules;

/// How far apart a retainer's periods start.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RetainerCadence")]
pub enum RetainerCadence {
    /// Every 7 days from its start.
    Weekly,
    /// Every calendar month from its start (a day the month lacks: its
    /// last).
    Monthly,
    /// Every 3 months from its start.
    Quarterly,
    /// Every year from its start.
    Yearly,
}

/// Where a retainer is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::RetainerStatus")]
pub enum RetainerStatus {
    /// Paying each period as it falls due.
    Active,
    /// Paused: what falls due is skipped for good (and still counts
    /// toward its periods).
    Paused,
    /// Ended, by `endRetainer` or after its last period: nothing more is
    /// paid; what was written is kept.
    Ended,
}

/// A fixed amount on a cadence to a partner, or to each active partner of
/// a group, whatever they sold (SPEC §37).
pub struct Retainer(pub Visible<retainer::Model>);

impl Seen for Retainer {
    type Row = retainer::Model;

    fn made(row: Visible<retainer::Model>) -> Self {
        Retainer(row)
    }

    fn visible(&self) -> &Visible<retainer::Model> {
        &self.0
    }
}

impl Retainer {
    fn row(&self) -> ApiResult<&retainer::Model> {
        self.0.read(C::Row)
    }
}

/// A fixed amount on a cadence to a partner, or to each active partner of
/// a group, whatever they sold (SPEC §37).
#[Object]
impl Retainer {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name (each commission's breakdown names it).
    async fn name(&self) -> ApiResult<&str> {
        Ok(&self.row()?.name)
    }

    /// What it is for.
    async fn description(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.description.as_deref())
    }

    /// The partner it pays; null: it pays a group.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let Some(id) = &self.row()?.partner_id else {
            return Ok(None);
        };
        let row = load_partner(&*loader(ctx)?, id).await?;
        Ok(Partner::seen_in(ctx, row))
    }

    /// The group whose active partners it pays, each the amount; null: it
    /// pays one partner.
    async fn group(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerGroup>> {
        let Some(id) = &self.row()?.group_id else {
            return Ok(None);
        };
        let group = loader(ctx)?.load_one(GroupId(id.clone())).await?;
        Ok(group.and_then(|g| PartnerGroup::seen_in(ctx, g)))
    }

    /// What each period pays each partner.
    async fn amount(&self) -> ApiResult<Money> {
        let row = self.row()?;
        Money::of(row.amount_minor, &row.currency)
    }

    /// How far apart its periods start.
    async fn cadence(&self) -> ApiResult<RetainerCadence> {
        Ok(self.row()?.cadence.into())
    }

    /// Its first period's first day, in the tenant's time zone.
    async fn starts_on(&self) -> ApiResult<Date> {
        Ok(Date(self.row()?.starts_on))
    }

    /// How many periods it pays; null: until ended.
    async fn periods(&self) -> ApiResult<Option<i32>> {
        Ok(self.row()?.periods)
    }

    /// The campaign its commissions are booked in and mature by.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Option<Campaign>> {
        let row = load_campaign(&*loader(ctx)?, &self.row()?.campaign_id).await?;
        Ok(Campaign::seen_in(ctx, row))
    }

    /// Where it is.
    async fn status(&self) -> ApiResult<RetainerStatus> {
        Ok(self.row()?.status.into())
    }

    /// When its next period falls due (00:00 of its first day in the
    /// tenant's zone); null when paused or ended.
    async fn next_due_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        let zone = &policy(ctx)?.principal().tenant.time_zone;
        Ok(rules::next_due_at(self.row()?, zone)?.map(Into::into))
    }

    /// It in words: `500.00 EUR monthly from 2027-01-31, 3 periods`.
    async fn summary(&self) -> ApiResult<String> {
        Ok(rules::summary(self.row()?))
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.created_at.into())
    }

    /// When it ended.
    async fn ended_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.row()?.ended_at.map(Into::into))
    }
}

/// The period a `RETAINER` commission pays.
#[derive(SimpleObject)]
pub struct RetainerPeriod {
    /// The retainer.
    pub retainer: Retainer,
    /// Its number, from 1.
    pub number: i32,
    /// Its first day, in the tenant's zone.
    pub starts_on: Date,
    /// Its last day.
    pub ends_on: Date,
}

/// A page of the tenant's retainers, oldest first, filtered.
pub(crate) async fn retainers_of(
    ctx: &Context<'_>,
    filter: Filter<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ListConnection<Retainer>> {
    let policy = policy(ctx)?;
    let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
    let select = rules::list(
        policy.tenant_id(),
        filter.partner_id,
        filter.group_id,
        filter.status.map(Into::into),
        filter.paying,
    );
    list_connection(
        revshare_core::reads::lists::list(db(ctx)?.conn(), &request, select, retainer::Column::Id),
        Retainer::for_caller(policy),
    )
    .await
}

/// What a list of retainers keeps.
#[derive(Default)]
pub(crate) struct Filter<'a> {
    pub partner_id: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub status: Option<RetainerStatus>,
    /// Those paying a partner: its id and its group's.
    pub paying: Option<(&'a str, &'a str)>,
}

/// The retainers paying `partner` (its own and its group's), as
/// `Partner.retainers` reads them.
pub(crate) async fn paying(
    ctx: &Context<'_>,
    partner: &entity::partner::Model,
) -> ApiResult<Vec<Retainer>> {
    let policy = policy(ctx)?;
    policy.finds(revshare_core::auth::access::Kind::Retainer)?;
    let rows = rules::paying(
        db(ctx)?.conn(),
        &partner.tenant_id,
        &partner.id,
        &partner.group_id,
    )
    .await?;
    Ok(Retainer::all(policy, rows))
}
