//! Partner links (SPEC §30): a partner's short links, what their clicks
//! tell, and a group's link settings. A link is read by whoever reads its
//! partner's referral codes (a partner token: its own).

use super::{Partner, Seen};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, loader, page_args, policy, principal};
use crate::graphql::loaders::load_partner;
use crate::graphql::scalars::{Date, DateTime};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::partner_link;
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::links::settings::LinkSettings as Settings;
use revshare_core::links::stats::{self, Dimension, Of};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A partner's short link (SPEC §30).
pub struct PartnerLink(pub Visible<partner_link::Model>);

impl Seen for PartnerLink {
    type Row = partner_link::Model;

    fn made(row: Visible<partner_link::Model>) -> Self {
        PartnerLink(row)
    }

    fn visible(&self) -> &Visible<partner_link::Model> {
        &self.0
    }
}

/// What clicks are told by.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LinkDimension {
    /// Each day of the range, in order (`YYYY-MM-DD`), with 0 for a day
    /// without clicks.
    Day,
    /// ISO 3166-1 alpha-2 (`DE`), or `unknown` without a country database.
    Country,
    /// `desktop`, `mobile`, `tablet` or `unknown`.
    Device,
    /// The browser's name (`Chrome`, `Safari`).
    Browser,
    /// The operating system (`Windows 10`, `iPhone`, `Android`).
    Os,
    /// The referring page's domain, or `(direct)`.
    Referrer,
    /// `qr` for a scan of the link's QR code, `link` for the rest.
    Qr,
    /// Clicks ignored as traffic that earns nothing (SPEC §37), by their
    /// `IgnoredTrafficReason`: counted here only, never in the others.
    Ignored,
}

impl From<LinkDimension> for Dimension {
    fn from(by: LinkDimension) -> Dimension {
        match by {
            LinkDimension::Day => Dimension::Day,
            LinkDimension::Country => Dimension::Country,
            LinkDimension::Device => Dimension::Device,
            LinkDimension::Browser => Dimension::Browser,
            LinkDimension::Os => Dimension::Os,
            LinkDimension::Referrer => Dimension::Referrer,
            LinkDimension::Qr => Dimension::Qr,
            LinkDimension::Ignored => Dimension::Ignored,
        }
    }
}

/// What a campaign's or a group's clicks earn nothing from (SPEC §37): a
/// click ignored still redirects, but names no partner and attributes no
/// one; it is counted in `ignoredClicks` and `stats(by: IGNORED)` only.
#[derive(SimpleObject)]
pub struct TrafficSources {
    /// Clicks from search engines are ignored: a search ad's click id
    /// (`gclid`, `gbraid`, `wbraid`, `msclkid`, `yclid`) in the landing
    /// query, or a referrer on a search engine's host (Google's in every
    /// country, Bing, Yahoo, DuckDuckGo, Baidu, Yandex, Ecosia, Brave).
    pub ignore_search_engines: bool,
    /// Referrer hosts ignored, each with the hosts under it
    /// (`chatgpt.com` covers `www.chatgpt.com`, not `notchatgpt.com`).
    pub ignored_domains: Vec<String>,
}

impl TrafficSources {
    pub fn of(stored: Option<&str>) -> ApiResult<TrafficSources> {
        let sources = revshare_core::directory::traffic::TrafficSources::of(stored)?;
        Ok(TrafficSources {
            ignore_search_engines: sources.ignore_search_engines,
            ignored_domains: sources.ignored_domains,
        })
    }
}

/// Why a click earned nothing (SPEC §37): the values of
/// `stats(by: IGNORED)`.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum IgnoredTrafficReason {
    /// The referrer is on a listed domain, or under one.
    ListedDomain,
    /// A search ad's click id was in the landing query.
    SearchAd,
    /// The referrer is a search engine.
    SearchEngine,
}

/// A value of a dimension and its counted clicks.
#[derive(SimpleObject)]
pub struct LinkStat {
    /// The day, country, device, browser, OS, referrer or `qr`/`link`.
    pub value: String,
    /// Clicks counted: once per link, visitor and hour, bots left out.
    pub clicks: i64,
}

/// The UTM values a group's links add where the URL has none; `{partner}`
/// in one is the link's key.
#[derive(SimpleObject)]
pub struct LinkUtm {
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

/// How a group's partners' links work.
#[derive(SimpleObject)]
pub struct LinkSettings {
    /// Where a link without a URL of its own leads (empty: none set; a
    /// link then leads to the default campaign's landing URL).
    pub destination: String,
    /// Hosts a link's URL may be on, each with its subdomains, beside the
    /// destination's.
    pub allowed_domains: Vec<String>,
    /// Active links a partner may have (1 to 100).
    pub max_partner_links: i32,
    /// The query parameter that names the partner (`via`).
    pub param: String,
    /// The UTM values added.
    pub utm: LinkUtm,
}

impl From<Settings> for LinkSettings {
    fn from(settings: Settings) -> LinkSettings {
        LinkSettings {
            destination: settings.destination.unwrap_or_default(),
            allowed_domains: settings.allowed_domains,
            max_partner_links: settings.max_partner_links as i32,
            param: settings.param,
            utm: LinkUtm {
                source: settings.utm.source,
                medium: settings.utm.medium,
                campaign: settings.utm.campaign,
                term: settings.utm.term,
                content: settings.utm.content,
            },
        }
    }
}

/// The short URL of a key: on the tenant's first link domain, else on
/// revshare's own host (`/l/{tenantId}/{key}`).
pub async fn short_url(ctx: &Context<'_>, tenant_id: &str, key: &str) -> ApiResult<String> {
    let first = match ctx.data_opt::<revshare_core::links::Links>() {
        Some(links) => links.first_domain(tenant_id).await,
        None => None,
    };
    Ok(match first {
        Some(host) => format!("https://{host}/{key}"),
        None => ctx
            .data_opt::<crate::graphql::roots::portal::PublicUrl>()
            .map(|public| public.of(&format!("/l/{tenant_id}/{key}")))
            .unwrap_or_else(|| format!("/l/{tenant_id}/{key}")),
    })
}

/// A partner's short link: its key is its referral code's text.
#[Object]
impl PartnerLink {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The text after the link domain, in lower case.
    async fn key(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.link_key)
    }

    /// The link to share: `https://{first link domain}/{key}`, or on
    /// revshare's own host while the tenant has no link domain.
    async fn short_url(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let row = self.0.read(C::Row)?;
        short_url(ctx, &row.tenant_id, &row.link_key).await
    }

    /// Where it leads, its own; null: its group's destination.
    async fn url(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.url.as_deref())
    }

    /// Its partner.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.created_at.into())
    }

    /// When it was archived: it leads nowhere and attributes nothing new.
    async fn archived_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.archived_at.map(Into::into))
    }

    /// Clicks counted since it was made: once per visitor and hour, bots
    /// left out.
    async fn clicks(&self) -> ApiResult<i64> {
        Ok(self.0.read(C::Row)?.clicks)
    }

    /// Clicks its campaign or its partner's group ignores (SPEC §37):
    /// redirected, attributing no one; once per visitor and hour.
    async fn ignored_clicks(&self) -> ApiResult<i64> {
        Ok(self.0.read(C::Row)?.ignored_clicks)
    }

    /// Its clicks by `by` from `from` to `to` (days in the tenant's time
    /// zone, both included, at most 366).
    async fn stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first day.")] from: Date,
        #[graphql(desc = "The last day.")] to: Date,
        #[graphql(desc = "What the clicks are told by.")] by: LinkDimension,
    ) -> ApiResult<Vec<LinkStat>> {
        let row = self.0.read(C::Row)?;
        link_stats(ctx, &row.tenant_id, Of::Link(&row.id), from, to, by).await
    }
}

/// Clicks by `by` over a range of days, as [`LinkStat`]s.
pub async fn link_stats(
    ctx: &Context<'_>,
    tenant_id: &str,
    of: Of<'_>,
    from: Date,
    to: Date,
    by: LinkDimension,
) -> ApiResult<Vec<LinkStat>> {
    let read = stats::read(db(ctx)?.conn(), tenant_id, of, from.0, to.0, by.into()).await?;
    Ok(read
        .into_iter()
        .map(|s| LinkStat {
            value: s.value,
            clicks: s.clicks,
        })
        .collect())
}

/// A partner's links, oldest first.
pub async fn links_of(
    ctx: &Context<'_>,
    partner: &entity::partner::Model,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ListConnection<PartnerLink>> {
    let policy = policy(ctx)?;
    let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
    let select = revshare_core::links::manage::of_partner(principal(ctx)?.tenant_id(), &partner.id);
    list_connection(
        revshare_core::reads::lists::list(
            db(ctx)?.conn(),
            &request,
            select,
            partner_link::Column::Id,
        ),
        PartnerLink::for_caller(policy),
    )
    .await
}

/// Whether a link domain answers (SPEC §30).
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum LinkDomainStatus {
    /// Named, its DNS record not found (yet, or any more): the host
    /// answers nothing for the program.
    Pending,
    /// Its DNS record holds the program's token: its links answer on it.
    Verified,
}

/// A host the program named for its short links, and the DNS record that
/// proves the program owns it (SPEC §30).
#[derive(SimpleObject)]
pub struct LinkDomain {
    /// In lower case (`go.acme.com`).
    pub host: String,
    /// Whether it answers the program's links.
    pub status: LinkDomainStatus,
    /// The name of the TXT record to create (`_revshare-challenge.go.acme.com`).
    pub record_name: String,
    /// Always `TXT`.
    pub record_type: String,
    /// What the record holds (`revshare-verification=…`).
    pub record_value: String,
    /// When the record was last found.
    pub verified_at: Option<DateTime>,
    /// When the record was last looked up (once a day, and by
    /// `verifyLinkDomain`).
    pub checked_at: Option<DateTime>,
}

impl From<entity::link_domain::Model> for LinkDomain {
    fn from(row: entity::link_domain::Model) -> Self {
        use revshare_core::links::domains::{record_name, record_value};
        LinkDomain {
            record_name: record_name(&row.host),
            record_type: "TXT".into(),
            record_value: record_value(&row.token),
            status: match row.status {
                entity::enums::LinkDomainStatus::Pending => LinkDomainStatus::Pending,
                entity::enums::LinkDomainStatus::Verified => LinkDomainStatus::Verified,
            },
            verified_at: row.verified_at.map(DateTime::from),
            checked_at: row.checked_at.map(DateTime::from),
            host: row.host,
        }
    }
}
