//! Fields of partner groups and the categories partners carry.

use super::{Category, Money, Partner, PartnerGroup, Seen};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{loader, page_args, policy};
use crate::graphql::loaders::{GroupPartners, PartnerCountOf};
use crate::graphql::ready::{Ready, ReadyFields, scalar, text};
use crate::graphql::rules::{GroupRule, group_rules};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object, Value};
use revshare_core::auth::access::Column as C;
use revshare_core::directory::{groups, tags};
use revshare_core::error::ApiResult;
use revshare_core::paging::{DEFAULT_LIMITS, Page, PageRequest};

/// A label a tenant gives partners (an industry, a region, …).
#[Object]
impl Category {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name: unique per tenant.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Label)?;
        Ok(&row.name)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Details)?;
        Ok(row.created_at.into())
    }
}

impl ReadyFields for PartnerGroup {
    fn ready(&self, name: &str) -> Option<Value> {
        match name {
            "id" => return Some(Value::String(self.0.key().id.clone())),
            "name" => return Some(Value::String(self.0.read(C::Label).ok()?.name.clone())),
            _ => {}
        }
        let row = self.0.read(C::Details).ok()?;
        Some(match name {
            "description" => text(row.description.as_deref()),
            "externalId" => text(row.external_id.as_deref()),
            "tags" => Value::List(
                tags::decode(&row.tags)
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            ),
            "isDefault" => Value::Boolean(row.is_default),
            "createdAt" => scalar(DateTime::from(row.created_at)),
            "updatedAt" => scalar(DateTime::from(row.updated_at)),
            _ => return None,
        })
    }
}

/// A tier of partners and the rules that set their commissions.
#[Object]
impl PartnerGroup {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// A label: shown with `partners:read` and `commission_plans:read` too,
    /// and to a partner for its own group.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Label)?;
        Ok(&row.name)
    }

    /// How its partners' short links work (SPEC §30).
    async fn links(&self) -> ApiResult<super::LinkSettings> {
        let row = self.0.read(C::Details)?;
        Ok(revshare_core::links::settings::LinkSettings::of(row.link_settings.as_deref())?.into())
    }

    /// The traffic its partners' clicks earn nothing from (SPEC §37):
    /// beside what each click's campaign ignores.
    async fn traffic_sources(&self) -> ApiResult<super::links::TrafficSources> {
        let row = self.0.read(C::Details)?;
        super::links::TrafficSources::of(row.traffic_sources.as_deref())
    }

    /// What its partners earn on the partners they recruit (SPEC §31);
    /// null: nothing.
    async fn referral(
        &self,
    ) -> ApiResult<Option<crate::graphql::objects::engagement::ReferralRule>> {
        let row = self.0.read(C::Details)?;
        Ok(
            revshare_core::engagement::settings::referral_of(row.referral.as_deref())?
                .map(Into::into),
        )
    }

    /// What each of its partners may earn in a period (SPEC §31); null:
    /// no cap.
    async fn cap(&self) -> ApiResult<Option<crate::graphql::objects::engagement::SpendCap>> {
        let row = self.0.read(C::Details)?;
        Ok(revshare_core::engagement::settings::cap_of(row.cap.as_deref())?.map(Into::into))
    }

    /// What the group is for.
    async fn description(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Details)?;
        Ok(row.description.as_deref())
    }

    /// Your own identifier for the group; unique per tenant.
    async fn external_id(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Details)?;
        Ok(row.external_id.as_deref())
    }

    /// Labels to find the group by (`partnerGroups(tag:)`).
    async fn tags(&self) -> ApiResult<Vec<String>> {
        let row = self.0.read(C::Details)?;
        Ok(tags::decode(&row.tags))
    }

    /// Whether partners without a group belong here; one group per tenant is.
    async fn is_default(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Details)?;
        Ok(row.is_default)
    }

    /// The rules that set its partners' commissions, in the order they apply.
    async fn rules(&self) -> ApiResult<Vec<GroupRule>> {
        let row = self.0.read(C::Details)?;
        Ok(group_rules(&groups::rules_of(row)?))
    }

    /// The group's partners, oldest first (needs `partners:read` too).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Partner>>> {
        self.0.read(C::Details)?;
        let row = self.0.read(C::Members)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let key = GroupPartners {
            group_id: row.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        // Requested together, both join the batches of sibling fields.
        let loader = loader(ctx)?;
        let (page, count) = async_graphql::futures_util::future::try_join(
            loader.load_one(key),
            loader.load_one(PartnerCountOf(row.id.clone())),
        )
        .await?;
        let policy = policy(ctx)?;
        Ok(connection(
            page.unwrap_or_else(Page::empty),
            TotalCount::known(count.unwrap_or(0)),
            |p| p.id.clone(),
            |row| Partner::seen(policy, row.into()).map(Ready),
        ))
    }

    /// How many partners are in it.
    async fn partner_count(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let row = self.0.read(C::Details)?;
        Ok(loader(ctx)?
            .load_one(PartnerCountOf(row.id.clone()))
            .await?
            .unwrap_or(0))
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Details)?;
        Ok(row.created_at.into())
    }

    /// When it last changed.
    async fn updated_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Details)?;
        Ok(row.updated_at.into())
    }

    /// The smallest payout of its partners, per currency (none: the
    /// tenant's applies; a partner's own wins over it).
    async fn minimum_payout(&self) -> ApiResult<Option<Vec<Money>>> {
        self.0.read(C::Details)?;
        super::payouts::group_minimum(self)
    }
}
