//! Tiered commissions and the tenant's settings: queries and mutations
//! (SPEC §9, §10). Tiers are read with `tiered_commissions:read` and
//! written with `tiered_commissions:write`; the tenant is changed by its
//! admins.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{
    db, forget_reads, forget_tenant, page_args, policy, principal, text_change, writer,
};
use crate::graphql::enums::TierStatus;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Tenant, TieredCommission};
use crate::graphql::payouts::{MoneyInput, PayoutAccountInput, account_change, minimum_change};
use crate::graphql::tiers::TieredCommissionInput;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use entity::tiered_commission;
use revshare_core::auth::Scope;
use revshare_core::error::ApiResult;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::tenants::{self, TenantChanges};
use revshare_core::tiers;

/// Omitted fields stay as they are; `null` clears `minimumPayout` and
/// `payoutAccount`.
#[derive(InputObject)]
pub struct UpdateTenantInput {
    /// A new name.
    pub name: Option<String>,
    /// An IANA time zone (`Europe/Berlin`): tier periods start at 00:00 in it.
    pub time_zone: Option<String>,
    /// The smallest payout per currency, for partners whose group and
    /// whose own settings name none.
    pub minimum_payout: MaybeUndefined<Vec<MoneyInput>>,
    /// The account SEPA files pay from.
    pub payout_account: MaybeUndefined<PayoutAccountInput>,
    /// Runs pay only partners whose tax profile is approved.
    pub require_tax_profile: Option<bool>,
    /// The program's name as partners see it (null or empty: the tenant's
    /// name).
    pub program_name: MaybeUndefined<String>,
    /// The address partners and staff e-mails name for support (null: none).
    pub support_email: MaybeUndefined<String>,
    /// The brand's colour as `#rrggbb` (null: the default).
    pub brand_color: MaybeUndefined<String>,
    /// How staff hear of partners' messages at the support address: each
    /// at once, a daily digest, or not at all (SPEC §35).
    pub staff_message_mail: Option<crate::graphql::enums::CommissionEarnedMail>,
    /// The payer of its 1099s (null: none).
    pub tax_payer: MaybeUndefined<crate::graphql::tax::TaxPayerInput>,
    /// How it reports its 1099s.
    pub tax_reporting: Option<crate::graphql::tax::TaxReportingInput>,
    /// The hosts its partners' short links are to answer on
    /// (`go.acme.com`, pointed at revshare), replacing those it had; the
    /// first verified in order is the one links are shared on. A new
    /// host is `PENDING` until its DNS record proves the tenant owns it
    /// (`Tenant.linkDomainProofs`, `verifyLinkDomain`). revshare's own
    /// host, loopback names and IP addresses are refused.
    pub link_domains: Option<Vec<String>>,
    /// Its invoicing identity and self-billing agreement (SPEC §33).
    pub invoicing: Option<InvoicingInput>,
}

/// The tenant's invoicing: each field given replaces the one stored
/// (null clears it); self-billing on needs a legal name, an address, an
/// EU or UK country, a VAT id of its form and an agreement.
#[derive(InputObject)]
pub struct InvoicingInput {
    /// Whether it issues its partners' invoices.
    pub self_billing: Option<bool>,
    /// Its legal name.
    pub legal_name: MaybeUndefined<String>,
    /// Its address.
    pub address: MaybeUndefined<crate::graphql::tax::AddressInput>,
    /// Its VAT id, checked by its country's form and check digit.
    pub vat_id: MaybeUndefined<String>,
    /// An EU state or `GB` (ISO 3166-1 alpha-2).
    pub country: MaybeUndefined<String>,
    /// What invoice numbers start with (`SB-`: `SB-2026-000001`): 1 to 12
    /// of A-Z, 0-9, `-` and `/`. A new series starts at 1.
    pub series: Option<String>,
    /// What an invoice to a small business says of its exemption.
    pub exemption_text: MaybeUndefined<String>,
    /// The agreement's text: a text that differs from the current one is
    /// published as the next version, which partners accept anew.
    pub agreement: Option<String>,
}

impl InvoicingInput {
    fn change(self) -> ApiResult<revshare_core::payouts::invoicing::settings::InvoicingChange> {
        fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
            match value {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(v) => Some(Some(v)),
            }
        }
        let address = match self.address {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(a) => Some(Some(a.address("input.invoicing.address")?)),
        };
        revshare_core::payouts::invoicing::settings::InvoicingChange {
            self_billing: self.self_billing,
            legal_name: maybe(self.legal_name),
            address,
            vat_id: maybe(self.vat_id),
            country: maybe(self.country),
            series: self.series,
            exemption_text: maybe(self.exemption_text),
            agreement: self.agreement,
        }
        .checked()
    }
}

#[derive(Default)]
pub struct TierQuery;

#[Object]
impl TierQuery {
    /// A tier by id.
    pub(crate) async fn tiered_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tier's id.")] id: ID,
    ) -> ApiResult<Option<TieredCommission>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::TieredCommission)?;
        Ok(tiers::find(db(ctx)?.conn(), principal.tenant_id(), &id)
            .await?
            .and_then(TieredCommission::for_caller(policy(ctx)?)))
    }

    /// The tenant's tiers, oldest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn tiered_commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tiers in this status.")] status: Option<TierStatus>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<TieredCommission>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::TieredCommission)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = tiers::list(principal.tenant_id(), status.map(Into::into));
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                tiered_commission::Column::Id,
            ),
            TieredCommission::for_caller(policy(ctx)?),
        )
        .await
    }
}

#[derive(Default)]
pub struct TierMutation;

#[Object]
impl TierMutation {
    /// Changes the tenant's settings: its name, time zone, minimum payouts,
    /// payout account and whether runs require tax profiles (admins only).
    async fn update_tenant(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change.")] input: UpdateTenantInput,
    ) -> ApiResult<Tenant> {
        let policy = policy(ctx)?;
        policy.admin("only the tenant's admins change it")?;
        let principal = policy.principal();
        forget_reads(ctx)?;
        let tax_payer = crate::graphql::tax::payer_change(
            ctx.data_opt::<revshare_core::payouts::seal::DataKey>(),
            principal.tenant_id(),
            input.tax_payer,
        )?;
        let (tax_excluded_methods, tax_thresholds, backup_withholding) =
            crate::graphql::tax::reporting_change(input.tax_reporting)?;
        let changes = TenantChanges {
            tax_payer,
            tax_excluded_methods,
            tax_thresholds,
            backup_withholding,
            minimum_payout: minimum_change("input.minimumPayout", input.minimum_payout)?,
            payout_account: account_change(input.payout_account)?,
            require_tax_profile: input.require_tax_profile,
            program_name: text_change(input.program_name, |name| {
                revshare_core::input::optional_line(
                    "input.programName",
                    name,
                    revshare_core::input::MAX_NAME_CHARS,
                )
            })?,
            support_email: text_change(input.support_email, |email| {
                revshare_core::input::optional_email("input.supportEmail", email)
            })?,
            brand_color: text_change(input.brand_color, |color| {
                color
                    .map(|c| tenants::check_brand_color("input.brandColor", c))
                    .transpose()
            })?,
            link_domains: link_domains(ctx, input.link_domains)?,
            staff_message_mail: input.staff_message_mail.map(Into::into),
            ..TenantChanges::named(input.name.as_deref(), input.time_zone.as_deref())?
        };
        let invoicing = input.invoicing.map(InvoicingInput::change).transpose()?;
        let row = match invoicing {
            Some(invoicing) => {
                revshare_core::payouts::invoicing::settings::update_tenant(
                    db(ctx)?,
                    principal.tenant_id(),
                    changes,
                    invoicing,
                )
                .await?
            }
            None => tenants::update(db(ctx)?, principal.tenant_id(), changes).await?,
        };
        forget_tenant(ctx)?;
        if let Ok(links) = ctx.data::<revshare_core::links::Links>() {
            links.changed();
        }
        Tenant::shown(ctx, tenants::principal_tenant(row)?)
    }

    /// Looks up a link domain's DNS record now (admins only): `VERIFIED`
    /// when it holds the tenant's token, else `PENDING`. A resolver that
    /// does not answer is `UNAVAILABLE`, the status unchanged.
    async fn verify_link_domain(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One of the tenant's link domains.")] host: String,
    ) -> ApiResult<crate::graphql::objects::LinkDomain> {
        let policy = policy(ctx)?;
        policy.admin("only the tenant's admins prove its link domains")?;
        let links = ctx
            .data::<revshare_core::links::Links>()
            .map_err(|e| revshare_core::error::ApiError::internal("links", e.message))?;
        let row = revshare_core::links::domains::verify(
            db(ctx)?,
            links.resolver(),
            policy.principal().tenant_id(),
            &host,
        )
        .await?;
        links.changed();
        Ok(row.into())
    }

    /// Creates a tier. It takes effect on events from its start date.
    async fn create_tiered_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tier to create.")] input: TieredCommissionInput,
    ) -> ApiResult<TieredCommission> {
        let principal = writer(ctx, Scope::TieredCommissionsWrite)?;
        let tier = tiers::create(db(ctx)?, principal.tenant_id(), input.into_new()?).await?;
        Ok(TieredCommission::shown(ctx, tier)?)
    }

    /// Replaces every field of a tier. Progress so far stays (a period
    /// reached stays reached); the new terms apply from the next event.
    async fn update_tiered_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The tier's id.")] id: ID,
        #[graphql(desc = "Every field of the tier, replaced.")] input: TieredCommissionInput,
    ) -> ApiResult<TieredCommission> {
        let principal = writer(ctx, Scope::TieredCommissionsWrite)?;
        let tier = tiers::update(db(ctx)?, principal.tenant_id(), &id, input.into_new()?).await?;
        Ok(TieredCommission::shown(ctx, tier)?)
    }
}

/// The link domains as given, each checked: a host name, not revshare's
/// own, at most once.
fn link_domains(ctx: &Context<'_>, given: Option<Vec<String>>) -> ApiResult<Option<Vec<String>>> {
    const FIELD: &str = "input.linkDomains";
    let Some(given) = given else {
        return Ok(None);
    };
    let platform = ctx
        .data_opt::<revshare_core::links::Links>()
        .and_then(|links| links.platform_host());
    let mut hosts: Vec<String> = Vec::new();
    for host in &given {
        let host = revshare_core::links::domains::check_host(FIELD, host, platform)?;
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    Ok(Some(hosts))
}
