//! Fields of the tenant: its name, currency and time zone, and the
//! settings `updateTenant` changes (payouts, branding, mail, link domains,
//! invoicing, tax).

use super::{Money, PayoutAccount, Tenant};
use crate::graphql::context::loader;
use crate::graphql::enums::MailPreference;
use crate::graphql::loaders::TenantRow;
use async_graphql::{Context, ID, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};

/// The tenant the caller belongs to.
#[Object]
impl Tenant {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.name)
    }

    /// The tenant's currency, the default for simulations and campaigns.
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(row.currency.code())
    }

    /// An IANA time zone: tier periods and dates are counted in it.
    async fn time_zone(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.time_zone)
    }

    /// Its invoicing identity and self-billing agreement (SPEC §33): what
    /// its self-billed invoices name as the customer, and the agreement its
    /// partners accept.
    async fn invoicing(&self, ctx: &Context<'_>) -> ApiResult<super::Invoicing> {
        let row = self.0.read(C::Row)?;
        let conn = crate::graphql::context::db(ctx)?.conn();
        Ok(
            revshare_core::payouts::invoicing::settings::read(conn, &row.id)
                .await?
                .into(),
        )
    }

    /// The hosts it named for its partners' short links (SPEC §30), in
    /// order; each answers once proved (`linkDomainProofs`).
    async fn link_domains(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        let row = self.0.read(C::Row)?;
        revshare_core::tenants::link_domains(crate::graphql::context::db(ctx)?.conn(), &row.id)
            .await
    }

    /// Each link domain's status and the DNS record that proves it (the
    /// console's: admins and viewers).
    async fn link_domain_proofs(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::LinkDomain>> {
        let row = self.0.read(C::Setup)?;
        let rows = revshare_core::links::domains::of_tenant(
            crate::graphql::context::db(ctx)?.conn(),
            &row.id,
        )
        .await?;
        Ok(rows.into_iter().map(super::LinkDomain::from).collect())
    }

    /// The smallest payout per currency, for partners whose group and own
    /// settings name none.
    async fn minimum_payout(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Money>>> {
        super::payouts::tenant_minimum(ctx).await
    }

    /// The account SEPA files pay from (`commissions:read`).
    async fn payout_account(&self, ctx: &Context<'_>) -> ApiResult<Option<PayoutAccount>> {
        self.0.read(C::Account)?;
        super::payouts::tenant_account(ctx).await
    }

    /// Runs pay only partners whose tax profile is approved.
    async fn require_tax_profile(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        super::payouts::tenant_requires_tax(ctx).await
    }

    /// The program's name as partners see it: the one set in
    /// `updateTenant`, else the tenant's name.
    async fn program_name(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let stored = stored(ctx).await?;
        Ok(revshare_core::tenants::program_name(&stored).to_owned())
    }

    /// The address partners and staff e-mails name for support.
    async fn support_email(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(stored(ctx).await?.support_email.clone())
    }

    /// The brand's colour, `#rrggbb` (none: revshare's own).
    async fn brand_color(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        Ok(stored(ctx).await?.brand_color.clone())
    }

    /// The languages it offers its partners (SPEC §38), ISO 639-1 codes
    /// in its order (`["de", "fr", "en"]`); `["en"]` until it says.
    async fn languages(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        Ok(revshare_core::languages::Offered::of(&*stored(ctx).await?).languages)
    }

    /// Its default among them: a partner's language until it chooses.
    async fn default_language(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(revshare_core::languages::Offered::of(&*stored(ctx).await?).default)
    }

    /// The daily fraud digest (SPEC §37): the addresses it goes to and
    /// from which hour of the program's day. The console's staff read it;
    /// null to others.
    async fn fraud_digest(&self, ctx: &Context<'_>) -> ApiResult<Option<FraudDigest>> {
        if self.0.read(C::Setup).is_err() {
            return Ok(None);
        }
        let stored = stored(ctx).await?;
        Ok(Some(FraudDigest {
            recipients: revshare_core::fraud::digest::recipients_of(&stored)?,
            hour: stored.fraud_digest_hour,
        }))
    }

    /// How staff hear of partners' messages at the support address
    /// (SPEC §35): each at once (the default), a daily digest, or not at
    /// all.
    async fn staff_message_mail(&self, ctx: &Context<'_>) -> ApiResult<MailPreference> {
        Ok(stored(ctx).await?.staff_message_mail.into())
    }

    /// The payer of its 1099s (the tenant's staff who read tax).
    async fn tax_payer(&self, ctx: &Context<'_>) -> ApiResult<Option<super::TaxPayer>> {
        revshare_core::tax::readers(crate::graphql::context::policy(ctx)?)?;
        let stored = stored(ctx).await?;
        Ok(
            revshare_core::tax::settings::Payer::decode(stored.tax_payer.as_deref())?
                .map(Into::into),
        )
    }

    /// How it reports its 1099s (the tenant's staff who read tax).
    async fn tax_reporting(&self, ctx: &Context<'_>) -> ApiResult<Option<super::TaxReporting>> {
        revshare_core::tax::readers(crate::graphql::context::policy(ctx)?)?;
        let stored = stored(ctx).await?;
        super::TaxReporting::of(&revshare_core::tax::settings::Reporting::of(&stored)?).map(Some)
    }
}

/// The caller's tenant as stored (one statement per request).
async fn stored(ctx: &Context<'_>) -> ApiResult<std::sync::Arc<entity::tenant::Model>> {
    loader(ctx)?
        .load_one(TenantRow)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", "missing"))
}

/// The daily fraud digest's settings (SPEC §37).
#[derive(async_graphql::SimpleObject)]
pub struct FraudDigest {
    /// The addresses it goes to; none: no digest.
    pub recipients: Vec<String>,
    /// From which hour of the program's day (its time zone) it is sent.
    pub hour: i32,
}
