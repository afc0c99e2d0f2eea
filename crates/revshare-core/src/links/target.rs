//! Where a short link leads: a live link of the tenant by its key, with
//! what its group adds, and the URL a visit is sent to.

use super::settings::LinkSettings;
use crate::directory::traffic::TrafficSources;
use crate::error::ApiResult;
use entity::{campaign, partner, partner_group, partner_link, referral_code};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A live link as a redirect needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub tenant_id: String,
    pub link_id: String,
    pub referral_code_id: String,
    pub campaign_id: String,
    pub partner_id: String,
    pub key: String,
    /// The URL it leads to: its own, else its group's destination, else
    /// its campaign's landing URL.
    pub url: String,
    pub param: String,
    pub utm: super::settings::Utm,
    /// What its campaign and its partner's group ignore (SPEC §37).
    pub sources: TrafficSources,
}

/// The tenant's live link by its key (any case); `None` for an unknown or
/// archived key, or a link with nowhere to lead.
pub async fn live(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    key: &str,
) -> ApiResult<Option<Live>> {
    let key = key.to_ascii_lowercase();
    let Some(link) = partner_link::Entity::find()
        .filter(partner_link::Column::TenantId.eq(tenant_id))
        .filter(partner_link::Column::LinkKey.eq(key.as_str()))
        .filter(partner_link::Column::ArchivedAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let Some(code) = referral_code::Entity::find_by_id(link.referral_code_id.clone())
        .filter(referral_code::Column::ArchivedAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let group_id = partner::Entity::find_by_id(link.partner_id.clone())
        .one(conn)
        .await?
        .map(|p| p.group_id);
    let group = match group_id {
        Some(id) => partner_group::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let settings = LinkSettings::of(group.as_ref().and_then(|g| g.link_settings.as_deref()))?;
    let campaign = campaign::Entity::find_by_id(code.campaign_id.clone())
        .one(conn)
        .await?;
    let url = link
        .url
        .clone()
        .or(settings.destination.clone())
        .or_else(|| campaign.as_ref().and_then(|c| c.landing_url.clone()));
    let Some(url) = url else {
        return Ok(None);
    };
    let sources = TrafficSources::of(campaign.as_ref().and_then(|c| c.traffic_sources.as_deref()))?
        .with(&TrafficSources::of(
            group.as_ref().and_then(|g| g.traffic_sources.as_deref()),
        )?);
    Ok(Some(Live {
        tenant_id: tenant_id.to_owned(),
        link_id: link.id,
        referral_code_id: code.id,
        campaign_id: code.campaign_id,
        partner_id: link.partner_id,
        key: link.link_key,
        url,
        param: settings.param,
        utm: settings.utm,
        sources,
    }))
}

/// The most bytes of the visit's own query passed on; past it, none is.
pub const MAX_PASSED_QUERY: usize = 2048;

/// The URL a visit of `link` is sent to: the link's URL with, in order,
/// its own parameters, `{param}={key}` and `click={click}` (§15's names;
/// none for a visit not recorded), the visit's own parameters (not the
/// link's names, `click` or `qr` in any case, nor one the URL has), then each UTM
/// value the URL and the visit lack (`{partner}` in it the link's key).
/// Only the query changes: nothing a visitor sends moves the scheme, the
/// host or the path.
pub fn redirect_url(link: &Live, click: Option<&str>, query: Option<&str>) -> Option<String> {
    sent_to(link, Some(click), query)
}

/// The URL an ignored visit (SPEC §37) is sent to: as [`redirect_url`]'s,
/// naming nobody — no `{param}`, no `click`, no UTM value that would name
/// the link's key.
pub fn ignored_url(link: &Live, query: Option<&str>) -> Option<String> {
    sent_to(link, None, query)
}

/// `named`: the click (if any) the visit is named by; `None`: an ignored
/// visit, named by nothing.
fn sent_to(link: &Live, named: Option<Option<&str>>, query: Option<&str>) -> Option<String> {
    let mut url = url::Url::parse(&link.url).ok()?;
    let own: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    // Names are compared as a server reading them may: `VIA` is `via`.
    let has = |name: &str, pairs: &[(String, String)]| {
        pairs.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    let reserved = |name: &str| {
        name.eq_ignore_ascii_case(&link.param)
            || name.eq_ignore_ascii_case("click")
            || name.eq_ignore_ascii_case("qr")
    };
    let mut added: Vec<(String, String)> = own
        .iter()
        .filter(|(name, _)| !reserved(name))
        .cloned()
        .collect();
    if let Some(click) = named {
        added.push((link.param.clone(), link.key.clone()));
        if let Some(click) = click {
            added.push(("click".into(), click.to_owned()));
        }
    }
    let visit: Vec<(String, String)> = query
        .filter(|q| q.len() <= MAX_PASSED_QUERY)
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    for (name, value) in visit {
        if !name.is_empty() && !reserved(&name) && !has(&name, &added) {
            added.push((name, value));
        }
    }
    for (name, value) in link.utm.pairs() {
        if let Some(value) = value
            && !has(name, &added)
            && (named.is_some() || !value.contains("{partner}"))
        {
            added.push((name.to_owned(), value.replace("{partner}", &link.key)));
        }
    }
    url.set_query(None);
    url.query_pairs_mut().extend_pairs(added);
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::links::settings::Utm;

    fn link(url: &str) -> Live {
        Live {
            tenant_id: "t".into(),
            link_id: "l".into(),
            referral_code_id: "c".into(),
            campaign_id: "k".into(),
            partner_id: "p".into(),
            key: "jane".into(),
            url: url.into(),
            param: "via".into(),
            utm: Utm {
                source: Some("partners".into()),
                medium: Some("affiliate".into()),
                campaign: Some("{partner}-fall".into()),
                ..Utm::default()
            },
            sources: TrafficSources::default(),
        }
    }

    #[test]
    fn an_ignored_visit_is_sent_on_naming_nobody() {
        let link = link("https://acme.example/?via=old");
        assert_eq!(
            ignored_url(&link, Some("gclid=abc&via=bob&click=x")).unwrap(),
            "https://acme.example/?gclid=abc&utm_source=partners&utm_medium=affiliate"
        );
    }

    #[test]
    fn reserved_names_are_reserved_in_any_case() {
        let link = link("https://acme.example/");
        assert_eq!(
            redirect_url(
                &link,
                Some("01JCLICK"),
                Some("VIA=bob&Click=x&QR=1&UTM_SOURCE=news&Plan=team")
            )
            .unwrap(),
            "https://acme.example/?via=jane&click=01JCLICK&UTM_SOURCE=news&Plan=team\
             &utm_medium=affiliate&utm_campaign=jane-fall"
        );
    }

    #[test]
    fn the_visit_is_sent_with_the_key_the_click_its_own_parameters_and_the_missing_utm_values() {
        let link = link("https://acme.example/pricing?plan=pro&utm_medium=newsletter");
        assert_eq!(
            redirect_url(
                &link,
                Some("01JCLICK"),
                Some("gclid=abc&plan=team&via=bob&click=x&qr=1")
            )
            .unwrap(),
            "https://acme.example/pricing?plan=pro&utm_medium=newsletter&via=jane&click=01JCLICK\
             &gclid=abc&utm_source=partners&utm_campaign=jane-fall"
        );
        assert_eq!(
            redirect_url(&link, None, None).unwrap(),
            "https://acme.example/pricing?plan=pro&utm_medium=newsletter&via=jane\
             &utm_source=partners&utm_campaign=jane-fall"
        );
    }

    #[test]
    fn nothing_a_visitor_sends_moves_the_link_off_its_url() {
        let link = link("https://acme.example/");
        for query in [
            "next=https://evil.test/",
            "%2F%2Fevil.test",
            "a=%0d%0aLocation:%20https://evil.test",
            "@evil.test",
            "#frag",
        ] {
            let sent = redirect_url(&link, None, Some(query)).unwrap();
            let parsed = url::Url::parse(&sent).unwrap();
            assert_eq!(parsed.host_str(), Some("acme.example"), "{query}");
            assert_eq!(parsed.path(), "/", "{query}");
            assert!(!sent.contains('\r') && !sent.contains('\n'));
        }
        let long = "a=".to_owned() + &"b".repeat(MAX_PASSED_QUERY);
        assert!(
            !redirect_url(&link, None, Some(&long))
                .unwrap()
                .contains("bbb")
        );
    }
}
