//! The tenant's settings: `updateTenant` and `verifyLinkDomain`, with
//! their inputs (SPEC §10, §30, §33); the tenant is changed by its admins.

use crate::graphql::context::{db, forget_reads, forget_tenant, policy, text_change};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::Tenant;
use crate::graphql::payouts::{MoneyInput, PayoutAccountInput, account_change, minimum_change};
use async_graphql::{Context, InputObject, MaybeUndefined, Object};
use revshare_core::error::ApiResult;
use revshare_core::tenants::{self, TenantChanges};

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
    pub staff_message_mail: Option<crate::graphql::enums::MailPreference>,
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
    /// The languages it offers its partners (SPEC §38), in its order:
    /// lower-case ISO 639-1 codes of those revshare writes in (`en de fr
    /// es it nl`), each once.
    pub languages: Option<Vec<String>>,
    /// Its default, one of the languages offered.
    pub default_language: Option<String>,
    /// Who gets the daily fraud digest and from which hour (SPEC §37).
    pub fraud_digest: Option<FraudDigestInput>,
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
    /// Its PEPPOL participant id, `{scheme}:{id}` (`0088:4012345000009`,
    /// `9930:DE811907980`), a scheme on PEPPOL's list: its documents'
    /// electronic address (else its contact's e-mail).
    pub peppol_id: MaybeUndefined<String>,
    /// Who its documents name for questions (EN 16931's BG-9): a German
    /// brand's documents need one to meet XRechnung.
    pub contact: MaybeUndefined<InvoicingContactInput>,
    /// What its documents' lines bill (`Vermittlungsprovisionen`), beside
    /// each campaign's name; at most 200 characters.
    pub service_description: MaybeUndefined<String>,
    /// Its company details, printed on every PDF (register court and
    /// number, managing directors); at most 1,000 characters.
    pub legal_details: MaybeUndefined<String>,
}

/// The person a tenant's documents name for questions about them.
#[derive(InputObject)]
pub struct InvoicingContactInput {
    /// The person's or the department's name.
    pub name: String,
    /// Where questions about a document go.
    pub email: String,
    /// Digits, spaces and `+ - / ( )`.
    pub phone: String,
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
            peppol_id: maybe(self.peppol_id),
            contact: maybe(self.contact).map(|c| {
                c.map(|c| revshare_core::payouts::invoicing::settings::Contact {
                    name: c.name,
                    email: c.email,
                    phone: c.phone,
                })
            }),
            service_description: maybe(self.service_description),
            legal_details: maybe(self.legal_details),
        }
        .checked()
    }
}

/// The daily fraud digest's settings.
#[derive(InputObject)]
pub struct FraudDigestInput {
    /// The addresses it goes to (at most 20; none: no digest). Each
    /// message has a one-click unsubscribe that takes its address off.
    pub recipients: Vec<String>,
    /// From which hour of the program's day (its time zone) it is sent,
    /// 0 to 23.
    #[graphql(default = 8)]
    pub hour: i32,
}

#[derive(Default)]
pub struct TenantMutation;

#[Object]
impl TenantMutation {
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
            languages: input.languages,
            default_language: input.default_language,
            fraud_digest: input
                .fraud_digest
                .map(|d| tenants::check_fraud_digest(&d.recipients, d.hour))
                .transpose()?,
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
