//! Fields of campaigns, partnership requests, enrollments, snapshots and
//! terms in force.

use super::{
    Campaign, Enrollment, Partner, PartnerCommission, PartnershipRequest, Seen, TermsInForce,
};
use crate::graphql::context::{loader, policy};
use crate::graphql::enums::{
    CampaignStatus, RequestStatus, SnapshotSource, TermsSource, Visibility,
};
use crate::graphql::loaders::{load_campaign, load_partner};
use crate::graphql::ready::{ReadyFields, enumerated, scalar, text};
use crate::graphql::rules::{GroupRule, group_rules};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object, Value};
use revshare_core::auth::access::Column as C;
use revshare_core::campaigns;
use revshare_core::error::ApiResult;

impl ReadyFields for Campaign {
    fn ready(&self, name: &str) -> Option<Value> {
        match name {
            "id" => return Some(Value::String(self.0.key().id.clone())),
            "name" => return Some(Value::String(self.0.read(C::Label).ok()?.name.clone())),
            _ => {}
        }
        let row = self.0.read(C::Details).ok()?;
        Some(match name {
            "description" => text(row.description.as_deref()),
            "status" => enumerated::<CampaignStatus>(row.status),
            "currency" => Value::String(row.currency.clone()),
            "holdbackDays" => row.holdback_days.map_or(Value::Null, Value::from),
            "visibility" => enumerated::<Visibility>(row.visibility),
            "isDefault" => Value::Boolean(row.is_default),
            "createdAt" => scalar(DateTime::from(row.created_at)),
            "updatedAt" => scalar(DateTime::from(row.updated_at)),
            _ => return None,
        })
    }
}

/// An offer partners promote, with its commission terms.
#[Object]
impl Campaign {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name: a label shown wherever its data is.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Label)?;
        Ok(&row.name)
    }

    /// What partners promote in it: to a partner's token, in the
    /// translation given for its language, else as written (SPEC §38).
    async fn description(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Details)?;
        Ok(
            match crate::graphql::context::partner_language(ctx).await? {
                Some(language) => revshare_core::campaigns::description_in(row, &language),
                None => row.description.clone(),
            },
        )
    }

    /// Its description in other languages, as its staff gave them.
    async fn description_translations(&self) -> ApiResult<Vec<DescriptionTranslation>> {
        let row = self.0.read(C::Details)?;
        Ok(
            revshare_core::languages::translations::decode(row.description_translations.as_deref())
                .into_iter()
                .map(|t| DescriptionTranslation {
                    language: t.language,
                    text: t.body,
                })
                .collect(),
        )
    }

    /// Whether it takes events and partners.
    async fn status(&self) -> ApiResult<CampaignStatus> {
        let row = self.0.read(C::Details)?;
        Ok(row.status.into())
    }

    /// What its events and commissions are in (ISO 4217).
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Details)?;
        Ok(&row.currency)
    }

    /// The campaign's own rules; null when partners fall through to their group's.
    async fn rules(&self) -> ApiResult<Option<Vec<GroupRule>>> {
        let row = self.0.read(C::Details)?;
        Ok(campaigns::rules_of(row)?.as_ref().map(group_rules))
    }

    /// Days a commission waits before it matures and is approved automatically.
    async fn holdback_days(&self) -> ApiResult<Option<i32>> {
        let row = self.0.read(C::Details)?;
        Ok(row.holdback_days)
    }

    /// Where a referral link (`/r/{tenantId}/{code}`) sends its visitor,
    /// with `ref` and `click` added; none: links are `404`.
    async fn landing_url(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Details)?;
        Ok(row.landing_url.as_deref())
    }

    /// How long a click attributes, and a held sale is accrued when its
    /// customer is attributed (90 unless set).
    async fn attribution_window_days(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Details)?;
        Ok(row.attribution_window_days)
    }

    /// Whether partners may apply (`PUBLIC`) or join only when invited.
    async fn visibility(&self) -> ApiResult<Visibility> {
        let row = self.0.read(C::Details)?;
        Ok(row.visibility.into())
    }

    /// What its public application form asks besides name, e-mail, website
    /// and country.
    async fn application_questions(&self) -> ApiResult<Vec<String>> {
        let row = self.0.read(C::Details)?;
        campaigns::questions_of(row)
    }

    /// Whether an application is approved as soon as its address is
    /// confirmed.
    async fn auto_approve_applications(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Details)?;
        Ok(row.auto_approve_applications)
    }

    /// What each partner may earn in the campaign in a period (SPEC §31);
    /// null: no cap.
    async fn cap(&self) -> ApiResult<Option<crate::graphql::objects::engagement::SpendCap>> {
        let row = self.0.read(C::Details)?;
        Ok(revshare_core::engagement::settings::cap_of(row.cap.as_deref())?.map(Into::into))
    }

    /// Whether partners may send paid-ad traffic; when false, a click from
    /// a paid ad is flagged (`PAID_AD_CLICK`).
    async fn allow_paid_ads(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Details)?;
        Ok(row.allow_paid_ads)
    }

    /// The traffic its clicks earn nothing from (SPEC §37): beside what
    /// each partner's group ignores.
    async fn traffic_sources(&self) -> ApiResult<super::links::TrafficSources> {
        let row = self.0.read(C::Details)?;
        super::links::TrafficSources::of(row.traffic_sources.as_deref())
    }

    /// Every partner takes part in the default campaign without enrolling.
    async fn is_default(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Details)?;
        Ok(row.is_default)
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
}

/// A partner's request to join a public campaign.
#[Object]
impl PartnershipRequest {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The partner that applied.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The campaign it applied to.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        let row = self.0.read(C::Row)?;
        Campaign::shown(ctx, load_campaign(&*loader(ctx)?, &row.campaign_id).await?)
    }

    /// Pending until the tenant approves or rejects it.
    async fn status(&self) -> ApiResult<RequestStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// Why the request was rejected.
    async fn reason(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.reason.as_deref())
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When it was approved or rejected.
    async fn decided_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.decided_at.map(DateTime::from))
    }
}

/// A partner's place in a campaign, with the snapshot of the terms it joined
/// under.
#[Object]
impl Enrollment {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.row.key().id.clone())
    }

    /// The partner enrolled.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.row.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The campaign it is in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        let row = self.row.read(C::Row)?;
        Campaign::shown(ctx, load_campaign(&*loader(ctx)?, &row.campaign_id).await?)
    }

    /// The terms stamped when it joined.
    async fn snapshot(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerCommission>> {
        self.row.read(C::Row)?;
        let snapshot = self.snapshot.clone();
        Ok(snapshot.and_then(|row| PartnerCommission::seen(policy(ctx).ok()?, row)))
    }

    /// `APPROVAL` or `INVITE`.
    async fn source(&self) -> ApiResult<SnapshotSource> {
        let row = self.row.read(C::Row)?;
        Ok(row.source.into())
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.row.read(C::Row)?;
        Ok(row.created_at.into())
    }
}

/// A snapshot of the terms a partner has in a campaign. Null fields fall
/// through to the campaign (and, for rules, to the group).
#[Object]
impl PartnerCommission {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The partner the terms are for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// The campaign the terms apply in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        let row = self.0.read(C::Row)?;
        Campaign::shown(ctx, load_campaign(&*loader(ctx)?, &row.campaign_id).await?)
    }

    /// Its rules; null falls through to the campaign's, then the group's.
    async fn rules(&self) -> ApiResult<Option<Vec<GroupRule>>> {
        let row = self.0.read(C::Row)?;
        Ok(row
            .rules
            .as_ref()
            .map(revshare_engine::decode_rules)
            .transpose()?
            .as_ref()
            .map(group_rules))
    }

    /// Days before a commission matures; null falls through to the campaign's.
    async fn holdback_days(&self) -> ApiResult<Option<i32>> {
        let row = self.0.read(C::Row)?;
        Ok(row.holdback_days)
    }

    /// How it was stamped: an approved application, an invitation or an
    /// amendment.
    async fn source(&self) -> ApiResult<SnapshotSource> {
        let row = self.0.read(C::Row)?;
        Ok(row.source.into())
    }

    /// Why an amendment was made.
    async fn note(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.note.as_deref())
    }

    /// The `sub` of the token that stamped it.
    async fn created_by(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.created_by)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }
}

// Made by `Partner.termsInForce` of objects the caller sees.
/// The terms that apply to a partner's next event in a campaign, and where each
/// comes from.
#[Object]
impl TermsInForce {
    /// The campaign they apply in.
    async fn campaign(&self) -> &Campaign {
        &self.campaign
    }

    /// The rules in force.
    async fn rules(&self) -> Vec<GroupRule> {
        group_rules(&self.terms.rules)
    }

    /// The rules as the partner reads them (SPEC §32, §38): one sentence a
    /// rule in `language` (none: the partner's), its description first,
    /// then the rule with every figure and condition, amounts in the
    /// campaign's currency — "Gold partners: 40 % when a tag of the partner
    /// is gold". A language not built in is `BAD_USER_INPUT` on `language`.
    async fn in_words(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The language to read them in, one revshare writes in (`de`); omitted: the partner's."
        )]
        language: Option<String>,
    ) -> ApiResult<Vec<String>> {
        let language = match language {
            Some(code) => revshare_core::languages::check("language", &code)?,
            None => {
                let tenant = crate::graphql::context::loader(ctx)?
                    .load_one(crate::graphql::loaders::TenantRow)
                    .await?
                    .ok_or_else(|| revshare_core::error::ApiError::internal("tenant", "missing"))?;
                revshare_core::languages::Offered::of(&tenant)
                    .reads(self.language.as_deref())
                    .to_owned()
            }
        };
        let campaign = self.campaign.0.read(C::Details)?;
        Ok(revshare_core::languages::terms::in_words(
            &self.terms.rules,
            &language,
            &campaign.currency,
        ))
    }

    /// Where the rules come from: the partner's snapshot, the campaign or the
    /// group.
    async fn rules_source(&self) -> TermsSource {
        self.terms.rules_source.into()
    }

    /// Days before a commission matures (none: approved by hand).
    async fn holdback_days(&self) -> Option<i32> {
        self.terms.holdback_days
    }

    /// Where the holdback comes from: the partner's snapshot or the campaign.
    async fn holdback_source(&self) -> TermsSource {
        self.terms.holdback_source.into()
    }

    /// The snapshot in force, if the partner has one for the campaign.
    async fn snapshot(&self) -> Option<&PartnerCommission> {
        self.snapshot.as_ref()
    }
}

/// A description in one language (SPEC §38).
#[derive(async_graphql::SimpleObject)]
pub struct DescriptionTranslation {
    /// The language (`de`).
    pub language: String,
    /// The description in it.
    pub text: String,
}
