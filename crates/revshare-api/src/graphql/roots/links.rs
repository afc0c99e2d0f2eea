//! Partner links (SPEC §30): making a partner's short links, changing
//! where one leads and archiving one. A partner token acts on its own
//! links; staff need `partners:write`.

use crate::graphql::context::{db, forget_reads, policy};
use crate::graphql::objects::{PartnerLink, Seen};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use revshare_core::auth::Scope;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::links::Links;
use revshare_core::links::manage::{self, NewLink};

/// A new short link.
#[derive(InputObject)]
pub struct CreatePartnerLinkInput {
    /// The partner (a partner token: omitted, or its own).
    pub partner_id: Option<ID>,
    /// 3 to 64 letters, digits, `-` or `_`, unique in the tenant (any
    /// case); omitted: the partner's name as a slug (`jane-doe`), with a
    /// suffix when taken.
    pub key: Option<String>,
    /// Where it leads: `https`, on the group's allowed domains or its
    /// destination's; omitted: the group's destination.
    pub url: Option<String>,
}

/// A change to a link.
#[derive(InputObject)]
pub struct UpdatePartnerLinkInput {
    /// The link.
    pub id: ID,
    /// Where it leads; null: back to its group's destination.
    pub url: MaybeUndefined<String>,
}

/// The UTM values a group's links add.
#[derive(InputObject, Default)]
pub struct LinkUtmInput {
    /// `utm_source`.
    pub source: Option<String>,
    /// `utm_medium`.
    pub medium: Option<String>,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_term`.
    pub term: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
}

/// A group's link settings, replacing what it had: an omitted field
/// takes its default.
#[derive(InputObject)]
pub struct LinkSettingsInput {
    /// Where a link without a URL of its own leads (`https`).
    pub destination: Option<String>,
    /// Hosts a link's URL may be on, each with its subdomains.
    #[graphql(default)]
    pub allowed_domains: Vec<String>,
    /// Active links a partner may have, 1 to 100 (10 by default).
    pub max_partner_links: Option<i32>,
    /// The query parameter that names the partner (`via` by default).
    pub param: Option<String>,
    /// UTM values added where the URL has none.
    pub utm: Option<LinkUtmInput>,
}

impl LinkSettingsInput {
    /// The settings, checked, as kept.
    pub fn encoded(self) -> ApiResult<String> {
        use revshare_core::links::settings::{LinkSettings, Utm};
        let defaults = LinkSettings::default();
        let utm = self.utm.unwrap_or_default();
        let max = match self.max_partner_links {
            Some(max) => u32::try_from(max).map_err(|_| {
                ApiError::bad_input("input.links.maxPartnerLinks", "must be 1 to 100")
            })?,
            None => defaults.max_partner_links,
        };
        let settings = LinkSettings {
            destination: self.destination,
            allowed_domains: self.allowed_domains,
            max_partner_links: max,
            param: self.param.unwrap_or(defaults.param),
            utm: Utm {
                source: utm.source,
                medium: utm.medium,
                campaign: utm.campaign,
                term: utm.term,
                content: utm.content,
            },
        };
        Ok(settings.checked("input.links")?.encode())
    }
}

/// What a campaign's or a group's clicks earn nothing from (SPEC §37),
/// replacing what it had.
#[derive(InputObject)]
pub struct TrafficSourcesInput {
    /// Ignore clicks from search engines, organic (the referrer) and paid
    /// (a search ad's click id in the landing query).
    #[graphql(default)]
    pub ignore_search_engines: bool,
    /// Referrer hosts ignored, each with the hosts under it (at most 100).
    #[graphql(default)]
    pub ignored_domains: Vec<String>,
}

impl TrafficSourcesInput {
    /// The sources, checked, as kept; refusals name `field`'s members.
    pub fn encoded(self, field: &str) -> ApiResult<String> {
        revshare_core::directory::traffic::check(
            field,
            self.ignore_search_engines,
            &self.ignored_domains,
        )
    }
}

fn links<'a>(ctx: &Context<'a>) -> ApiResult<&'a Links> {
    ctx.data::<Links>()
        .map_err(|_| ApiError::internal("links", "no link services"))
}

#[derive(Default)]
pub struct LinkMutation;

#[Object]
impl LinkMutation {
    /// Makes a short link for a partner: a referral code in the default
    /// campaign with the key as its text, so that a customer it brings is
    /// the partner's by click or by `?{param}={key}`.
    async fn create_partner_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link to make.")] input: CreatePartnerLinkInput,
    ) -> ApiResult<PartnerLink> {
        let policy = policy(ctx)?;
        let given = input.partner_id.as_ref().map(|p| p.as_str());
        let partner_id = policy.input_partner(given, "input.partnerId", Scope::PartnersWrite)?;
        forget_reads(ctx)?;
        let new = NewLink {
            partner_id,
            key: input.key,
            url: input.url,
        };
        let made = manage::create(db(ctx)?, policy.tenant_id(), new).await?;
        links(ctx)?.changed();
        PartnerLink::shown(ctx, made)
    }

    /// Changes where a link leads.
    async fn update_partner_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The change.")] input: UpdatePartnerLinkInput,
    ) -> ApiResult<PartnerLink> {
        let policy = policy(ctx)?;
        let rows = policy.rows(None, &[Scope::PartnersWrite])?;
        forget_reads(ctx)?;
        let url = match input.url {
            MaybeUndefined::Value(url) => Some(url),
            MaybeUndefined::Null => None,
            MaybeUndefined::Undefined => {
                let link = manage::find(
                    db(ctx)?.conn(),
                    policy.tenant_id(),
                    &input.id,
                    rows.partner(),
                )
                .await?;
                return PartnerLink::shown(ctx, link);
            }
        };
        let changed =
            manage::update_url(db(ctx)?, policy.tenant_id(), &input.id, rows.partner(), url)
                .await?;
        links(ctx)?.changed();
        PartnerLink::shown(ctx, changed)
    }

    /// Archives a link and its referral code: its key answers 404, and it
    /// attributes nothing new; its clicks and customers stay.
    async fn archive_partner_link(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The link's id.")] id: ID,
    ) -> ApiResult<PartnerLink> {
        let policy = policy(ctx)?;
        let rows = policy.rows(None, &[Scope::PartnersWrite])?;
        forget_reads(ctx)?;
        let archived = manage::archive(db(ctx)?, policy.tenant_id(), &id, rows.partner()).await?;
        links(ctx)?.changed();
        PartnerLink::shown(ctx, archived)
    }
}
