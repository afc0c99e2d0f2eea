//! Self-billed invoices with VAT (SPEC §33): the documents issued, a
//! partner's VAT details (the partner itself, or `partners:write`), its
//! answer to the agreement (the partner itself), and the PDF a partner
//! without one uploads for a payout.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, forget_reads, page_args, policy, principal};
use crate::graphql::objects::{Invoice, PartnerVat, Payout, Seen, SelfBillingAgreement};
use crate::graphql::scalars::Date;
use crate::graphql::tax::AddressInput;
use async_graphql::{Context, ID, InputObject, Object};
use base64::Engine;
use entity::invoice;
use revshare_core::auth::Scope;
use revshare_core::auth::access::Kind;
use revshare_core::auth::visible::Visible;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::payouts::invoicing::{objections, partners, read, upload};

/// A partner's VAT details.
#[derive(InputObject)]
pub struct SetPartnerVatInput {
    /// The partner (staff with `partners:write`; a partner token: its own).
    pub partner_id: Option<ID>,
    /// Registered for VAT.
    pub registered: bool,
    /// Its VAT id, with or without its country's prefix: required of a
    /// partner registered in the EU or the UK, checked by form and check
    /// digit.
    pub vat_id: Option<String>,
    /// The legal name its invoices carry (none: its name).
    pub legal_name: Option<String>,
    /// The address its invoices carry.
    pub address: Option<AddressInput>,
    /// Where it is established for VAT (ISO 3166-1 alpha-2; `GB` for the UK).
    pub country: String,
    /// Under its state's small-business exemption, registered for VAT or
    /// not: it then gives its VAT id or its tax number.
    #[graphql(default = false)]
    pub small_business: bool,
    /// Its tax number as written (`21/815/08150`; a German one 10, 11 or
    /// 13 digits): a small business's without a VAT id, a business's
    /// outside the EU and the UK (an EIN in the US).
    pub tax_number: Option<String>,
    /// Its PEPPOL participant id, `{scheme}:{id}`, a scheme on PEPPOL's
    /// list: its invoices' electronic address (else its e-mail).
    pub peppol_id: Option<String>,
    /// The phone its invoices' contact gives.
    pub phone: Option<String>,
    /// A business rather than a private individual: outside the EU and the
    /// UK, its brand then accounts for the VAT (reverse charge).
    #[graphql(default = false)]
    pub business: bool,
}

/// The version of the agreement a partner accepts.
#[derive(InputObject)]
pub struct AcceptSelfBillingAgreementInput {
    /// The agreement's current version (`viewer.tenant.invoicing.agreement.version`).
    pub version: i32,
}

/// A partner's own PDF invoice for one of its payouts.
#[derive(InputObject)]
pub struct UploadPartnerInvoiceInput {
    /// One of the partner's payouts, not self-billed.
    pub payout_id: ID,
    /// The PDF, base64 (RFC 4648): at most 5 MiB.
    pub pdf: String,
}

#[derive(Default)]
pub struct InvoiceQuery;

#[Object]
impl InvoiceQuery {
    /// A self-billed invoice or credit note by id.
    pub(crate) async fn invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document's id.")] id: ID,
    ) -> ApiResult<Option<Invoice>> {
        let policy = policy(ctx)?;
        policy.looks_up(Kind::Payout)?;
        let found = read::find(db(ctx)?.conn(), policy.tenant_id(), &id).await?;
        Ok(found.and_then(|row| Invoice::found(policy, row)))
    }

    /// The tenant's self-billed invoices and credit notes, in the order
    /// issued (a partner token: its own).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this partner's (a partner token: its own).")] partner_id: Option<ID>,
        #[graphql(desc = "Issued on or after this day (the tenant's zone).")] from: Option<Date>,
        #[graphql(desc = "Issued on or before this day (the tenant's zone).")] to: Option<Date>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Invoice>> {
        let policy = policy(ctx)?;
        let named = partner_id.as_ref().map(|p| p.as_str());
        let rows = policy.list(Kind::Payout, named)?;
        let filter = read::InvoiceFilter {
            partner_id: rows.partner_filter(),
            from: from.map(|d| d.0),
            to: to.map(|d| d.0),
        };
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                read::list(policy.tenant_id(), &filter),
                invoice::Column::Id,
            ),
            Invoice::for_caller(policy),
        )
        .await
    }
}

#[derive(Default)]
pub struct InvoiceMutation;

#[Object]
impl InvoiceMutation {
    /// Sets a partner's VAT details (the partner itself, or
    /// `partners:write`). Invoices issued keep the details they were
    /// issued with; a payout made from now on takes these.
    async fn set_partner_vat(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and its VAT details.")] input: SetPartnerVatInput,
    ) -> ApiResult<PartnerVat> {
        let given = input.partner_id.as_ref().map(|id| id.as_str());
        let partner_id =
            policy(ctx)?.input_partner(given, "input.partnerId", Scope::PartnersWrite)?;
        let details = partners::VatDetails {
            registered: input.registered,
            vat_id: input.vat_id,
            legal_name: input.legal_name,
            address: input
                .address
                .as_ref()
                .map(|a| a.address("input.address"))
                .transpose()?,
            country: input.country,
            small_business: input.small_business,
            tax_number: input.tax_number,
            peppol_id: input.peppol_id,
            phone: input.phone,
            business: input.business,
        };
        forget_reads(ctx)?;
        let row = partners::set(db(ctx)?, policy(ctx)?.tenant_id(), &partner_id, details)
            .await
            .map_err(named_partner)?;
        Visible::new(policy(ctx)?, row)
            .map(PartnerVat)
            .ok_or_else(|| ApiError::not_found("partner"))
    }

    /// The partner accepts the tenant's self-billing agreement, its current
    /// version (the partner's own token): from now on the tenant issues
    /// its invoices. A UK agreement runs for 12 months.
    async fn accept_self_billing_agreement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version accepted.")] input: AcceptSelfBillingAgreementInput,
    ) -> ApiResult<SelfBillingAgreement> {
        let partner_id = own(ctx)?;
        forget_reads(ctx)?;
        let row = partners::accept(
            db(ctx)?,
            principal(ctx)?.tenant_id(),
            &partner_id,
            input.version,
        )
        .await?;
        Visible::new(policy(ctx)?, row)
            .map(SelfBillingAgreement)
            .ok_or_else(|| ApiError::not_found("partner"))
    }

    /// The partner declines self-billing (the partner's own token): it is
    /// paid as before, with its statement, and may upload its invoices.
    async fn decline_self_billing(&self, ctx: &Context<'_>) -> ApiResult<SelfBillingAgreement> {
        let partner_id = own(ctx)?;
        forget_reads(ctx)?;
        let row = partners::decline(db(ctx)?, principal(ctx)?.tenant_id(), &partner_id).await?;
        Visible::new(policy(ctx)?, row)
            .map(SelfBillingAgreement)
            .ok_or_else(|| ApiError::not_found("partner"))
    }

    /// The partner objects to an invoice issued in its name (the
    /// partner's own token): why, in at most 2,000 characters. The
    /// program's staff read it with the invoice; the document stays as
    /// issued, and is corrected by a credit note and a new invoice.
    async fn object_to_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice.")] id: ID,
        #[graphql(desc = "Why the partner objects.")] reason: String,
    ) -> ApiResult<Invoice> {
        let partner_id = policy(ctx)?
            .partner_acting("only the partner an invoice is issued for objects to it")?
            .to_owned();
        forget_reads(ctx)?;
        let tenant_id = principal(ctx)?.tenant_id();
        objections::object(db(ctx)?, tenant_id, &partner_id, &id.0, &reason).await?;
        let row = read::find(db(ctx)?.conn(), tenant_id, &id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("invoice"))?;
        Invoice::seen(policy(ctx)?, row).ok_or_else(|| ApiError::not_found("invoice"))
    }

    /// The partner's own PDF invoice for one of its pending payouts, not
    /// self-billed (the partner's own token): a PDF of at most 5 MiB,
    /// base64 — the one request that may carry up to 8 MiB. It replaces
    /// one uploaded before; a paid payout takes none.
    async fn upload_partner_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payout and the PDF.")] input: UploadPartnerInvoiceInput,
    ) -> ApiResult<Payout> {
        let partner_id = own(ctx)?;
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(input.pdf.trim())
            .map_err(|_| ApiError::bad_input("input.pdf", "must be base64 (RFC 4648)"))?;
        let payout_id = input.payout_id.0;
        forget_reads(ctx)?;
        let tenant_id = principal(ctx)?.tenant_id();
        upload::upload(db(ctx)?, tenant_id, &partner_id, &payout_id, pdf).await?;
        let row = revshare_core::payouts::find(db(ctx)?.conn(), tenant_id, &payout_id)
            .await?
            .ok_or_else(|| ApiError::not_found("payout"))?;
        Payout::seen(policy(ctx)?, row).ok_or_else(|| ApiError::not_found("payout"))
    }
}

/// The partner acting: what only a partner does for itself.
fn own(ctx: &Context<'_>) -> ApiResult<String> {
    Ok(policy(ctx)?
        .partner_acting("only the partner itself answers the agreement or uploads its invoices")?
        .to_owned())
}

/// A service's `NOT_FOUND` for the partner, as the input's error.
fn named_partner(err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound(_) => {
            ApiError::bad_input("input.partnerId", "names no partner of the tenant")
        }
        other => other,
    }
}
