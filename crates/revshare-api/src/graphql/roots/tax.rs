//! Year-end tax forms (SPEC §29): a year's payees, payments made outside
//! revshare, issuing, and the files — for the tenant's admins and finance
//! (`commissions:write`); a partner reads its own forms through
//! `Partner.taxForms` and `/tax/{id}.pdf`.

use crate::graphql::context::{db, policy, principal};
use crate::graphql::objects::{File, TaxPayment, TaxYear};
use crate::graphql::scalars::{Date, Decimal};
use async_graphql::{Context, ID, InputObject, Object};
use base64::Engine;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::payouts::seal::DataKey;

/// A payment made outside revshare, for the year-end forms.
#[derive(InputObject)]
pub struct AddTaxPaymentInput {
    /// The partner paid.
    pub partner_id: ID,
    /// In USD; negative for money it paid back.
    pub amount: Decimal,
    /// The day paid: the calendar year it counts in.
    pub paid_on: Date,
    /// What it was (a cheque's number, the system it was paid from).
    pub note: String,
}

/// The earliest year a form is made for.
const FIRST_YEAR: i32 = 2020;

fn key<'a>(ctx: &Context<'a>) -> ApiResult<&'a DataKey> {
    ctx.data_opt::<DataKey>().ok_or_else(|| {
        ApiError::Conflict(
            "tax forms are off on this server: it has no key to encrypt tax ids with".into(),
        )
    })
}

fn checked_year(field: &str, year: i32) -> ApiResult<i32> {
    match (FIRST_YEAR..=2100).contains(&year) {
        true => Ok(year),
        false => Err(ApiError::bad_input(
            field,
            format!("must be a calendar year from {FIRST_YEAR}"),
        )),
    }
}

/// A year as the caller's tenant stands on it.
async fn year_of(ctx: &Context<'_>, year: i32) -> ApiResult<TaxYear> {
    let tenant_id = principal(ctx)?.tenant_id();
    let conn = db(ctx)?.conn();
    let tenant = revshare_core::tenants::row(conn, tenant_id).await?;
    Ok(TaxYear {
        year,
        reporting: revshare_core::tax::settings::Reporting::of(&tenant)?,
        today: revshare_core::payouts::tax::today_in(&tenant.time_zone),
        issued: revshare_core::tax::forms::issued(conn, tenant_id, year).await?,
    })
}

#[derive(Default)]
pub struct TaxQuery;

#[Object]
impl TaxQuery {
    /// A calendar year as its 1099-NEC forms see it: its payees, their
    /// status, its forms (admins, finance and viewers).
    async fn tax_year(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year.")] year: i32,
    ) -> ApiResult<TaxYear> {
        revshare_core::tax::readers(policy(ctx)?)?;
        year_of(ctx, checked_year("year", year)?).await
    }

    /// The year's forms as the IRIS Taxpayer Portal's CSV: the header row
    /// of the template downloaded from IRIS, filled column by column, at
    /// most 100 records a file (admins and finance). The originals, or
    /// with `corrected: true` the corrections.
    async fn tax_forms_csv(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year.")] year: i32,
        #[graphql(desc = "The template's header row, as IRIS gives it.")] header: String,
        #[graphql(desc = "The corrections instead of the originals.", default = false)]
        corrected: bool,
    ) -> ApiResult<Vec<File>> {
        revshare_core::tax::staff(policy(ctx)?)?;
        let year = checked_year("year", year)?;
        let tenant_id = principal(ctx)?.tenant_id();
        let forms: Vec<entity::tax_form::Model> =
            revshare_core::tax::forms::forms_of(db(ctx)?.conn(), tenant_id, year)
                .await?
                .into_iter()
                .filter(|f| f.corrected == corrected)
                .collect();
        let files = revshare_core::tax::iris::files(key(ctx)?, year, &header, &forms)?;
        Ok(files
            .into_iter()
            .map(|file| File {
                filename: file.filename,
                content_type: "text/csv".into(),
                content: base64::engine::general_purpose::STANDARD.encode(&file.content),
                left_out: Vec::new(),
            })
            .collect())
    }

    /// Copy B of each of the year's forms whose payee did not consent to
    /// electronic delivery, one PDF to print and post (admins and
    /// finance); null when there are none. The latest form of each payee.
    async fn tax_paper_forms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year.")] year: i32,
    ) -> ApiResult<Option<File>> {
        revshare_core::tax::staff(policy(ctx)?)?;
        let year = checked_year("year", year)?;
        let tenant_id = principal(ctx)?.tenant_id();
        let mut latest: std::collections::BTreeMap<String, entity::tax_form::Model> =
            Default::default();
        for form in revshare_core::tax::forms::forms_of(db(ctx)?.conn(), tenant_id, year).await? {
            latest.insert(form.payee_key.clone(), form);
        }
        let paper: Vec<entity::tax_form::Model> =
            latest.into_values().filter(|f| !f.electronic).collect();
        if paper.is_empty() {
            return Ok(None);
        }
        let pdf = revshare_core::tax::copy_b::paper(key(ctx)?, year, &paper)?;
        Ok(Some(File {
            filename: format!("1099nec-{year}-paper.pdf"),
            content_type: "application/pdf".into(),
            content: base64::engine::general_purpose::STANDARD.encode(pdf),
            left_out: Vec::new(),
        }))
    }
}

#[derive(Default)]
pub struct TaxMutation;

#[Object]
impl TaxMutation {
    /// Records a payment made outside revshare (a cheque, the platform a
    /// brand left) for the year-end forms (admins and finance).
    async fn add_tax_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner, the amount and the day.")] input: AddTaxPaymentInput,
    ) -> ApiResult<TaxPayment> {
        revshare_core::tax::staff(policy(ctx)?)?;
        let principal = principal(ctx)?;
        let amount = input.amount.value("input.amount")?;
        let usd =
            revshare_engine::Currency::parse("USD").map_err(|e| ApiError::internal("USD", e))?;
        let minor = usd
            .to_minor(amount)
            .ok()
            .filter(|m| *m != 0)
            .ok_or_else(|| {
                ApiError::bad_input("input.amount", "must be a non-zero amount in whole cents")
            })?;
        checked_year("input.paidOn", chrono::Datelike::year(&input.paid_on.0))?;
        let note = revshare_core::input::required_text(
            "input.note",
            &input.note,
            revshare_core::input::MAX_NOTE_CHARS,
        )?;
        crate::graphql::context::forget_reads(ctx)?;
        let row = revshare_core::payouts::tax_payments::add_manual(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.partner_id,
            minor,
            input.paid_on.0,
            note,
        )
        .await
        .map_err(|err| match err {
            ApiError::NotFound(_) => {
                ApiError::bad_input("input.partnerId", "names no partner of the tenant")
            }
            other => other,
        })?;
        <TaxPayment as crate::graphql::objects::Seen>::seen(policy(ctx)?, row)
            .ok_or_else(|| ApiError::internal("tax payment", "added but not visible"))
    }

    /// Issues a year's 1099-NEC forms: one for each reportable payee,
    /// frozen. Issued again, it makes a corrected form for each payee whose
    /// amounts, TIN, name or address changed since, and an original for a
    /// payee reportable for the first time. Payees who consented to
    /// electronic delivery are e-mailed once a form (admins and finance).
    async fn issue_tax_forms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year: one that has ended.")] year: i32,
    ) -> ApiResult<TaxYear> {
        revshare_core::tax::staff(policy(ctx)?)?;
        let principal = principal(ctx)?;
        let year = checked_year("year", year)?;
        crate::graphql::context::forget_reads(ctx)?;
        revshare_core::tax::forms::issue(
            db(ctx)?,
            key(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            year,
        )
        .await?;
        year_of(ctx, year).await
    }
}
