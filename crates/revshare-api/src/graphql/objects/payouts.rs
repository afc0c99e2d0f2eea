//! Fields of payouts and payout methods (SPEC §16; runs are in
//! [`super::runs`]), and the payout settings a tenant, a group and a partner
//! read; a tax profile's fields are with the other tax objects ([`super::tax`]).
//!
//! Who reads what: a payout and a run's contents with `commissions:read`
//! (a partner: its own payouts, never a run) — a payout's method as it was
//! when made is part of the payout, as finance reads where money went; a
//! partner's payout method and tax profile with `partners:read` or as the
//! partner itself. An IBAN whole only to the partner itself (and in a
//! run's file, `commissions:write`), masked (last 4) to anyone else; a tax
//! id never, only its last four characters.

use super::{
    Commission, Contact, Method, Money, Partner, PartnerGroup, Payout, PayoutAccount, PayoutMethod,
    PayoutMinimum, PayoutRun, Seen, TaxProfile, money, related,
};
use crate::graphql::connection::{ListConnection, TotalCount, connection};
use crate::graphql::context::{loader, page_args, policy};
use crate::graphql::enums::{
    LegalType, PayoutFileFormat, PayoutMethodType, PayoutRail, PayoutRailStatus, PayoutStatus,
    UsAccountType,
};
use crate::graphql::loaders::{
    CommissionId, ContactId, GroupId, PayoutCommissions, PayoutMethodOf, PayoutRunId, TaxProfileOf,
    TenantRow, load_partner,
};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, ID, Object};
use entity::enums::PayoutStatus as Stored;
use revshare_core::auth::access::{Column as C, Policy};
use revshare_core::auth::visible::Visible;
use revshare_core::directory::minimums;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{COMMISSION_LIMITS, Page, PageRequest};
use revshare_engine::accounts::Iban;

/// Money sent (or to send) to a partner in one currency, for the
/// commissions it holds, clawbacks netted.
#[Object]
impl Payout {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The partner paid.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// What it pays: `net` plus `vat` (the net alone unless it is
    /// self-billed with VAT, SPEC §33).
    async fn amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.amount_minor, &row.currency)
    }

    /// Its commissions less its clawbacks.
    async fn net(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(row.net_minor, &row.currency)
    }

    /// The VAT its self-billed invoice adds to the net, decided when it
    /// was made; `0` for a payout that is not self-billed, or takes none.
    async fn vat(&self) -> ApiResult<Money> {
        let row = self.0.read(C::Row)?;
        Money::of(row.vat_minor, &row.currency)
    }

    /// Its self-billed invoice, issued when it was paid (none for a payout
    /// not self-billed, or not paid yet).
    async fn invoice(&self, ctx: &Context<'_>) -> ApiResult<Option<super::Invoice>> {
        self.document(ctx, entity::enums::InvoiceKind::Invoice)
            .await
    }

    /// The first credit note correcting its invoice, once its transfer
    /// came back (in part or in full); `creditNotes` has every one.
    async fn credit_note(&self, ctx: &Context<'_>) -> ApiResult<Option<super::Invoice>> {
        self.document(ctx, entity::enums::InvoiceKind::CreditNote)
            .await
    }

    /// The credit notes correcting its invoice, oldest first: one for each
    /// part of its transfer that came back, so that its invoice and credit
    /// notes add up to what the partner finally received.
    async fn credit_notes(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::Invoice>> {
        self.documents(ctx, entity::enums::InvoiceKind::CreditNote)
            .await
    }

    /// The PDF invoice its partner uploaded for it (a partner without a
    /// self-billing agreement), base64.
    async fn partner_invoice(&self, ctx: &Context<'_>) -> ApiResult<Option<super::File>> {
        use base64::Engine;
        let row = self.0.read(C::Row)?;
        let conn = crate::graphql::context::db(ctx)?.conn();
        let found =
            revshare_core::payouts::invoicing::upload::of_payout(conn, &row.tenant_id, &row.id)
                .await?;
        Ok(found.map(|file| super::File {
            filename: format!("invoice-{}.pdf", row.statement_number),
            content_type: "application/pdf".into(),
            content: base64::engine::general_purpose::STANDARD.encode(&file.pdf),
            left_out: Vec::new(),
        }))
    }

    /// Backup withholding kept back from `amount` (24 %, for a partner
    /// without a valid W-9 or W-8, when the tenant withholds): paid to the
    /// IRS on the partner's behalf, Box 4 of its 1099. `0` otherwise.
    async fn withheld(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.withheld_minor, &row.currency)
    }

    /// What the payment sends: `amount` less `withheld`.
    async fn sent(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(
            revshare_core::payouts::withholding::sent_minor(row),
            &row.currency,
        )
    }

    /// The currency paid in (ISO 4217).
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.currency)
    }

    /// `PENDING` from a run until it is marked paid or failed; a payout
    /// marked paid by hand is `PAID` at once.
    async fn status(&self) -> ApiResult<PayoutStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// `{year}-{000001}`: per tenant and year, gapless, never reused.
    async fn statement_number(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.statement_number)
    }

    /// Where its statement is: `GET` it with the same token.
    async fn statement_url(&self) -> ApiResult<String> {
        let row = self.0.read(C::Row)?;
        Ok(format!("/statements/{}.pdf", row.id))
    }

    /// The payment's reference in the system that sent it (none while pending).
    async fn reference(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(Some(row.reference.as_str()).filter(|r| !r.is_empty()))
    }

    /// The payout method it was made to, as it was then: part of the
    /// payout, read with it (the IBAN masked to all but the partner).
    async fn method(&self, ctx: &Context<'_>) -> ApiResult<Option<PayoutMethod>> {
        let row = self.0.read(C::Row)?;
        let Some(kind) = row.method_type else {
            return Ok(None);
        };
        let method = Method {
            partner_id: (!row.staff_payee).then(|| row.partner_id.clone()),
            kind,
            paypal_email: row.method_paypal_email.clone(),
            iban: row.method_iban.clone(),
            bic: row.method_bic.clone(),
            account_holder: row.method_account_holder.clone(),
            stripe_account_id: row.method_stripe_account.clone(),
            routing_number: row.method_routing_number.clone(),
            account_number: row.method_account_number.clone(),
            account_type: row.method_account_type,
            currency: row.method_currency.clone(),
            sort_code: row.method_sort_code.clone(),
            legal_type: row.method_legal_type.clone(),
            address: row.method_address.clone(),
            wise_recipient_id: row.method_wise_recipient.clone(),
            updated_at: row.created_at,
        };
        Ok(Visible::new(policy(ctx)?, method).map(PayoutMethod))
    }

    /// The run that made it (none for one marked paid by hand).
    async fn run(&self, ctx: &Context<'_>) -> ApiResult<Option<PayoutRun>> {
        self.0.read(C::Row)?;
        let row = self.0.read(C::Run)?;
        related(ctx, row.run_id.as_deref(), PayoutRunId).await
    }

    /// How many ledger rows it holds, clawbacks included.
    async fn commission_count(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(row.commission_count)
    }

    /// The commissions it holds (a failed payout: those it held), clawbacks
    /// included, by id.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many rows from the start, or after `after` (1 to 500, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Ready<Commission>>> {
        let row = self.0.read(C::Row)?;
        let request = PageRequest::parse(page_args(first, after, None, None), COMMISSION_LIMITS)?;
        let loader = loader(ctx)?;
        let key = PayoutCommissions {
            payout_id: row.id.clone(),
            size: request.size,
            after: request.cursor,
        };
        let items = loader.load_one(key).await?.unwrap_or_else(Page::empty);
        let ids = items
            .rows
            .iter()
            .map(|i| CommissionId(i.commission_id.clone()));
        let mut found = loader.load_many(ids).await?;
        let rows = items
            .rows
            .iter()
            .map(|item| {
                found
                    .remove(&CommissionId(item.commission_id.clone()))
                    .ok_or_else(|| ApiError::internal("payout item", &item.commission_id))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let page = Page {
            rows,
            has_previous: items.has_previous,
            has_next: items.has_next,
        };
        let total = TotalCount::known(row.commission_count as u64);
        let policy = policy(ctx)?;
        Ok(connection(
            page,
            total,
            |c| c.id.clone(),
            |row| Commission::seen(policy, row).map(Ready),
        ))
    }

    /// Who made it: a run's or a mark-paid call's token `sub`.
    async fn created_by(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.created_by)
    }

    /// When it was created.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When it was marked paid.
    async fn paid_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.paid_at.map(DateTime::from))
    }

    /// When it was marked failed.
    async fn failed_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.failed_at.map(DateTime::from))
    }

    /// Why it failed.
    async fn failure_reason(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.failure_reason.as_deref())
    }

    /// For spiffs: the contact paid.
    async fn recipient(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.recipient_id.as_deref(), ContactId).await
    }

    /// The provider sending it (`sendPayouts`); none for a payout paid by
    /// file or by hand.
    async fn rail(&self) -> ApiResult<Option<PayoutRail>> {
        let row = self.0.read(C::Row)?;
        Ok(row.rail.map(PayoutRail::from))
    }

    /// Where it stands on its rail: `QUEUED` until the provider takes it,
    /// then `SENT`, and `SUCCEEDED` (the payout `PAID`), `FAILED` or
    /// `RETURNED` (the payout `FAILED`), or `UNCLAIMED` (still pending).
    async fn rail_status(&self) -> ApiResult<Option<PayoutRailStatus>> {
        let row = self.0.read(C::Row)?;
        Ok(row.rail_status.map(PayoutRailStatus::from))
    }

    /// The provider's id of it: PayPal's `payout_item_id`, Stripe's
    /// transfer id, Wise's transfer id.
    async fn rail_reference(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.rail_reference.as_deref())
    }

    /// What the provider last said went wrong, or why it is waiting (a
    /// `429` and when it is tried again; unclaimed; a reversal and what
    /// it made owed again).
    async fn rail_error(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.rail_error.as_deref())
    }

    /// How much of it the provider took back after it was paid (a Stripe
    /// transfer reversed): `0` when nothing was. In part, that much is
    /// owed again and paid by the next run; in full, the payout is
    /// `FAILED` and its commissions go to the next run.
    async fn reversed_amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.reversed_minor, &row.currency)
    }

    /// When it was handed to finance in a file (`payoutRunFile`): from
    /// then on `sendPayouts` does not send it, unless
    /// `withdrawPayoutRunFile` says the file was not used.
    async fn filed_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.filed_at.map(DateTime::from))
    }

    /// The file it was handed to finance in.
    async fn filed_as(&self) -> ApiResult<Option<PayoutFileFormat>> {
        let row = self.0.read(C::Row)?;
        Ok(row.filed_as.as_deref().and_then(|stored| {
            [
                revshare_core::payouts::files::Format::PaypalPayoutsCsv,
                revshare_core::payouts::files::Format::SepaPain001,
            ]
            .into_iter()
            .find(|format| format.as_str() == stored)
            .map(PayoutFileFormat::from)
        }))
    }
}

impl PayoutMethod {
    /// A partner's method, as `policy`'s caller sees it.
    pub(crate) fn from_row(
        policy: &Policy,
        row: entity::payout_method::Model,
    ) -> Option<PayoutMethod> {
        let method = Method {
            partner_id: Some(row.partner_id),
            kind: row.r#type,
            paypal_email: row.paypal_email,
            iban: row.iban,
            bic: row.bic,
            account_holder: row.account_holder,
            stripe_account_id: row.stripe_account_id,
            routing_number: row.routing_number,
            account_number: row.account_number,
            account_type: row.account_type,
            currency: row.currency,
            sort_code: row.sort_code,
            legal_type: row.legal_type,
            address: row.address,
            wise_recipient_id: row.wise_recipient_id,
            updated_at: row.updated_at,
        };
        Visible::new(policy, method).map(PayoutMethod)
    }
}

/// Where a partner is paid.
#[Object]
impl PayoutMethod {
    /// PayPal or a bank transfer.
    #[graphql(name = "type")]
    async fn kind(&self) -> ApiResult<PayoutMethodType> {
        Ok(self.0.read(C::Row)?.kind.into())
    }

    /// The PayPal account's e-mail.
    async fn paypal_email(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.paypal_email.as_deref())
    }

    /// Whole to the partner itself; to anyone else its last 4 characters
    /// (`****3000`).
    async fn iban(&self) -> ApiResult<Option<String>> {
        let whole = self.0.reads(C::BankWhole);
        Ok(self
            .0
            .read(C::Row)?
            .iban
            .as_deref()
            .map(|iban| match whole {
                true => iban.to_owned(),
                false => Iban::masked(iban),
            }))
    }

    /// The bank's BIC.
    async fn bic(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.bic.as_deref())
    }

    /// The bank account's holder.
    async fn account_holder(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.account_holder.as_deref())
    }

    /// An `ACH` account's ABA routing number (the bank's, not a secret).
    async fn routing_number(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.routing_number.as_deref())
    }

    /// An `ACH` or `WISE` account's number: whole to the partner itself;
    /// to anyone else its last 4 digits (`****6789`), as an IBAN is.
    async fn account_number(&self) -> ApiResult<Option<String>> {
        let whole = self.0.reads(C::BankWhole);
        Ok(self
            .0
            .read(C::Row)?
            .account_number
            .as_deref()
            .map(|number| match whole {
                true => number.to_owned(),
                false => Iban::masked(number),
            }))
    }

    /// An `ACH` account's kind.
    async fn account_type(&self) -> ApiResult<Option<UsAccountType>> {
        Ok(self.0.read(C::Row)?.account_type.map(Into::into))
    }

    /// A `WISE` account's currency: payouts to it are in it.
    async fn currency(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.currency.as_deref())
    }

    /// A `WISE` GBP account's sort code (the bank's, not a secret).
    async fn sort_code(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.sort_code.as_deref())
    }

    /// Whom Wise pays: a person or a business.
    async fn legal_type(&self) -> ApiResult<Option<LegalType>> {
        Ok(self
            .0
            .read(C::Row)?
            .legal_type
            .as_deref()
            .and_then(LegalType::parse))
    }

    /// A `WISE` USD account holder's address: to the partner itself and
    /// to staff who see its bank details whole; none to anyone else.
    async fn address(&self) -> ApiResult<Option<crate::graphql::objects::tax::Address>> {
        if !self.0.reads(C::BankWhole) {
            return Ok(None);
        }
        let row = self.0.read(C::Row)?;
        Ok(
            revshare_core::payouts::address::Address::decode(row.address.as_deref())?
                .map(Into::into),
        )
    }

    /// The recipient account Wise holds for a `WISE` method, made when it
    /// was first paid.
    async fn wise_recipient_id(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.wise_recipient_id.as_deref())
    }

    /// The Stripe Express account (`acct_…`) of a `STRIPE_CONNECT` method.
    async fn stripe_account_id(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.stripe_account_id.as_deref())
    }

    /// When it was set (a payout's: when the payout was made with it).
    async fn updated_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.updated_at.into())
    }
}

/// Stripe Connect for a partner.
#[derive(async_graphql::SimpleObject)]
pub struct StripeConnect {
    /// The program pays through Stripe Connect: "Connect with Stripe" is
    /// offered.
    pub available: bool,
    /// The partner's Express account (`acct_…`), once one was made.
    pub account_id: Option<String>,
    /// Whether Stripe enabled the account's payouts (then it is the
    /// partner's payout method).
    pub payouts_enabled: bool,
}

/// `Partner.stripeConnect`.
pub(super) async fn stripe_connect_of(
    ctx: &Context<'_>,
    partner: &Partner,
) -> ApiResult<StripeConnect> {
    let partner = partner.0.read(C::Details)?;
    let db = crate::graphql::context::db(ctx)?;
    let tenant = &partner.tenant_id;
    let rail = entity::enums::PayoutRail::StripeConnect;
    let available = revshare_core::reads::payout_rail(db.conn(), tenant, rail)
        .await?
        .is_some();
    let account = revshare_core::rails::connect::of_partner(db.conn(), tenant, &partner.id).await?;
    Ok(StripeConnect {
        available,
        account_id: account.as_ref().map(|a| a.account_id.clone()),
        payouts_enabled: account.is_some_and(|a| a.payouts_enabled),
    })
}

/// `Partner.payoutMethod`.
pub(super) async fn payout_method_of(
    ctx: &Context<'_>,
    partner: &Partner,
) -> ApiResult<Option<PayoutMethod>> {
    let partner = partner.0.read(C::Details)?;
    let row = loader(ctx)?
        .load_one(PayoutMethodOf(partner.id.clone()))
        .await?;
    let policy = policy(ctx)?;
    Ok(row.and_then(|row| PayoutMethod::from_row(policy, row)))
}

/// `Partner.taxProfile`.
pub(super) async fn tax_profile_of(
    ctx: &Context<'_>,
    partner: &Partner,
) -> ApiResult<Option<TaxProfile>> {
    let partner = partner.0.read(C::Details)?;
    let row = loader(ctx)?
        .load_one(TaxProfileOf(partner.id.clone()))
        .await?;
    let policy = policy(ctx)?;
    Ok(row
        .and_then(|row| Visible::new(policy, row))
        .map(TaxProfile))
}

/// `Partner.taxProfileSubmissions`: each as its profile, newest first as
/// `reads::tax_profile_submissions` reads them.
pub(super) async fn tax_profile_submissions_of(
    ctx: &Context<'_>,
    partner: &Partner,
) -> ApiResult<Vec<TaxProfile>> {
    let partner = partner.0.read(C::Details)?;
    let conn = crate::graphql::context::db(ctx)?.conn();
    let rows = revshare_core::reads::tax_profile_submissions(conn, &partner.tenant_id, &partner.id)
        .await?;
    let policy = policy(ctx)?;
    Ok(rows
        .iter()
        .map(revshare_core::payouts::tax_submissions::as_profile)
        .filter_map(|row| Visible::new(policy, row))
        .map(TaxProfile)
        .collect())
}

/// A stored list of minimums as `[Money!]` (none: no setting).
pub(super) fn minimum_list(stored: Option<&str>) -> ApiResult<Option<Vec<Money>>> {
    minimums::decode(stored)?
        .map(|list| {
            list.iter()
                .map(|m| Money::of(m.amount_minor, &m.currency))
                .collect()
        })
        .transpose()
}

/// `Partner.payoutMinimums`: per currency, the minimum in force.
pub(super) async fn minimums_in_force(
    ctx: &Context<'_>,
    partner: &Partner,
) -> ApiResult<Vec<PayoutMinimum>> {
    let partner = partner.0.read(C::Details)?;
    let loader = loader(ctx)?;
    let (group, tenant) = async_graphql::futures_util::future::try_join(
        loader.load_one(GroupId(partner.group_id.clone())),
        loader.load_one(TenantRow),
    )
    .await?;
    let tenant = tenant.ok_or_else(|| ApiError::internal("tenant", "missing"))?;
    let in_force = minimums::all_in_force(
        partner.minimum_payout.as_deref(),
        group.as_ref().and_then(|g| g.minimum_payout.as_deref()),
        tenant.minimum_payout.as_deref(),
    )?;
    in_force
        .into_iter()
        .map(|(minimum, source)| {
            Ok(PayoutMinimum {
                amount: money(minimum.amount_minor, &minimum.currency)?,
                currency: minimum.currency,
                source: source.into(),
            })
        })
        .collect()
}

/// `PartnerGroup.minimumPayout`.
pub(super) fn group_minimum(group: &PartnerGroup) -> ApiResult<Option<Vec<Money>>> {
    minimum_list(group.0.read(C::Details)?.minimum_payout.as_deref())
}

/// The tenant's stored settings.
async fn tenant_row(ctx: &Context<'_>) -> ApiResult<std::sync::Arc<entity::tenant::Model>> {
    loader(ctx)?
        .load_one(TenantRow)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", "missing"))
}

/// `Tenant.minimumPayout`: readable by every token of the tenant.
pub(super) async fn tenant_minimum(ctx: &Context<'_>) -> ApiResult<Option<Vec<Money>>> {
    minimum_list(tenant_row(ctx).await?.minimum_payout.as_deref())
}

/// `Tenant.payoutAccount` (its column: staff with `commissions:read`).
pub(super) async fn tenant_account(ctx: &Context<'_>) -> ApiResult<Option<PayoutAccount>> {
    let row = tenant_row(ctx).await?;
    Ok(match (&row.payout_account_iban, &row.payout_account_name) {
        (Some(iban), Some(name)) => Some(PayoutAccount {
            iban: iban.clone(),
            bic: row.payout_account_bic.clone(),
            name: name.clone(),
        }),
        _ => None,
    })
}

/// `Tenant.requireTaxProfile`.
pub(super) async fn tenant_requires_tax(ctx: &Context<'_>) -> ApiResult<bool> {
    Ok(tenant_row(ctx).await?.require_tax_profile)
}

impl Payout {
    /// Its document of `kind`, if issued.
    async fn document(
        &self,
        ctx: &Context<'_>,
        kind: entity::enums::InvoiceKind,
    ) -> ApiResult<Option<super::Invoice>> {
        Ok(self.documents(ctx, kind).await?.into_iter().next())
    }

    /// Its documents of `kind` the caller sees, in the order issued.
    async fn documents(
        &self,
        ctx: &Context<'_>,
        kind: entity::enums::InvoiceKind,
    ) -> ApiResult<Vec<super::Invoice>> {
        let row = self.0.read(C::Row)?;
        if row.self_billing.is_none() || row.status == Stored::Pending {
            return Ok(Vec::new());
        }
        let mut rows = loader(ctx)?
            .load_one(crate::graphql::loaders::DocumentsOfPayout(row.id.clone()))
            .await?
            .unwrap_or_default();
        rows.retain(|r| r.kind == kind);
        rows.sort_by(|a, b| (a.issued_at, &a.number).cmp(&(b.issued_at, &b.number)));
        let policy = policy(ctx)?;
        Ok(rows
            .into_iter()
            .filter_map(|r| <super::Invoice as Seen>::seen(policy, r))
            .collect())
    }
}
