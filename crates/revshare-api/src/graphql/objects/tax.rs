//! Tax objects (SPEC §16, §29): a partner's tax profile, the payer, the
//! reporting settings, a year and its payees, the forms issued, and
//! payments entered by hand.
//! A year and its payees reach only admins and finance (the roots check);
//! a form reaches them and its payee's partners.

use super::{Partner, Seen as _, TaxProfile, money};
use crate::graphql::context::{db, policy, principal};
use crate::graphql::enums::{PayoutMethodType, TaxPayeeStatus, TaxYearStatus, TinType};
use crate::graphql::enums::{TaxForm, TaxProfileStatus};
use crate::graphql::scalars::{Date, DateTime, Decimal};
use async_graphql::{Context, ID, Object, SimpleObject};
use entity::{tax_form, tax_payment};
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::tax::PayeeForm;
use revshare_core::tax::settings::Reporting;
use revshare_core::tax::year::{self, Judge};

/// A partner's tax profile.
#[Object]
impl TaxProfile {
    /// The submission this is: each one a partner sends is kept, and
    /// `decideTaxProfile` names the one it decides.
    async fn submission_id(&self) -> ApiResult<ID> {
        let row = self.0.read(C::Row)?;
        Ok(ID(row
            .submission_id
            .clone()
            .unwrap_or_else(|| row.partner_id.clone())))
    }

    /// The form filed.
    async fn form(&self) -> ApiResult<TaxForm> {
        let row = self.0.read(C::Row)?;
        Ok(row.form.into())
    }

    /// Submitted, approved or rejected.
    async fn status(&self) -> ApiResult<TaxProfileStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// ISO 3166-1 alpha-2.
    async fn country(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.country)
    }

    /// The last four letters or digits of the tax id (the id itself is
    /// stored encrypted and never answered).
    async fn tax_id_last4(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.tax_id_last4)
    }

    /// A W-9's kind of US number (none for a profile submitted before
    /// W-9s said it: submitting it again says).
    async fn tin_type(&self) -> ApiResult<Option<crate::graphql::enums::TinType>> {
        let row = self.0.read(C::Row)?;
        Ok(row.tin_type.map(Into::into))
    }

    /// The day the form was signed.
    async fn signed_on(&self) -> ApiResult<Option<crate::graphql::scalars::Date>> {
        let row = self.0.read(C::Row)?;
        Ok(row.signed_on.map(crate::graphql::scalars::Date))
    }

    /// A W-8's last valid day: the last day of the third calendar year
    /// after it was signed (counted from its submission when it was
    /// submitted before the day was asked). Other forms hold until they
    /// are replaced.
    async fn valid_until(&self) -> ApiResult<Option<crate::graphql::scalars::Date>> {
        let row = self.0.read(C::Row)?;
        Ok(revshare_core::payouts::tax::valid_until_of(row).map(crate::graphql::scalars::Date))
    }

    /// Past its last valid day: an expired W-8 is no profile, and a run
    /// that requires profiles skips its partner until a new one is
    /// approved.
    async fn expired(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        let today = revshare_core::payouts::tax::today_in(
            &crate::graphql::context::principal(ctx)?.tenant.time_zone,
        );
        Ok(revshare_core::payouts::tax::expired(row, today))
    }

    /// When it was submitted.
    async fn submitted_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.submitted_at.into())
    }

    /// When it was approved or rejected.
    async fn decided_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.decided_at.map(DateTime::from))
    }

    /// Why it was rejected.
    async fn reason(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.reason.as_deref())
    }

    /// The name on the tax return (a W-9's line 1, a W-8's name).
    async fn legal_name(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.legal_name.as_deref())
    }

    /// A W-9's business or disregarded entity name.
    async fn business_name(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.business_name.as_deref())
    }

    /// A W-9's federal tax classification.
    async fn classification(&self) -> ApiResult<Option<crate::graphql::enums::TaxClassification>> {
        let row = self.0.read(C::Row)?;
        Ok(row.classification.map(Into::into))
    }

    /// A W-9's address.
    async fn address(&self) -> ApiResult<Option<super::Address>> {
        let row = self.0.read(C::Row)?;
        Ok(
            revshare_core::payouts::address::Address::decode(row.address.as_deref())?
                .map(Into::into),
        )
    }

    /// When its partner consented to electronic delivery of its forms
    /// (none: they are posted).
    async fn electronic_delivery_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.electronic_delivery_at.map(DateTime::from))
    }

    /// A W-8's: the services were performed outside the United States.
    async fn services_outside_us(&self) -> ApiResult<Option<bool>> {
        let row = self.0.read(C::Row)?;
        Ok(row.services_outside_us)
    }
}

/// A postal address.
#[derive(SimpleObject, Clone)]
pub struct Address {
    /// The street address.
    pub line1: String,
    /// The apartment, suite or unit.
    pub line2: Option<String>,
    /// The city or town.
    pub city: String,
    /// A US address's two-letter state; elsewhere the region.
    pub state: String,
    /// A US ZIP code (`62704` or `62704-1234`); elsewhere the postal code.
    pub zip: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

impl From<revshare_core::payouts::address::Address> for Address {
    fn from(a: revshare_core::payouts::address::Address) -> Address {
        Address {
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            state: a.state,
            zip: a.zip,
            country: a.country,
        }
    }
}

/// The tenant as the payer of its 1099s.
#[derive(SimpleObject)]
pub struct TaxPayer {
    /// Its legal name, as the IRS knows it.
    pub legal_name: String,
    /// The last four digits of its EIN (stored encrypted).
    pub tin_last4: String,
    /// Its address, printed on every form.
    pub address: Address,
    /// The telephone number recipients call with questions.
    pub phone: String,
    /// An address recipients write to.
    pub email: Option<String>,
}

impl From<revshare_core::tax::settings::Payer> for TaxPayer {
    fn from(p: revshare_core::tax::settings::Payer) -> TaxPayer {
        TaxPayer {
            legal_name: p.legal_name,
            tin_last4: p.tin_last4,
            address: p.address.into(),
            phone: p.phone,
            email: p.email,
        }
    }
}

/// A year's reporting threshold.
#[derive(SimpleObject)]
pub struct TaxThreshold {
    /// The year (2025 stands for every year through it).
    pub year: i32,
    /// In USD: a payee whose counted payments reach it is reportable.
    pub amount: Decimal,
}

/// How the tenant reports its 1099s.
#[derive(SimpleObject)]
pub struct TaxReporting {
    /// Methods a TPSO reports on its 1099-K: their payments are excluded.
    pub excluded_methods: Vec<PayoutMethodType>,
    /// The law's thresholds and the tenant's own, by year.
    pub thresholds: Vec<TaxThreshold>,
    /// USD payouts to partners without an approved W-9 or a valid W-8
    /// withhold 24 %.
    pub backup_withholding: bool,
}

impl TaxReporting {
    pub(crate) fn of(reporting: &Reporting) -> ApiResult<TaxReporting> {
        Ok(TaxReporting {
            excluded_methods: reporting
                .excluded_methods
                .iter()
                .map(|m| (*m).into())
                .collect(),
            thresholds: reporting
                .thresholds()
                .into_iter()
                .map(|(year, minor)| {
                    Ok(TaxThreshold {
                        year,
                        amount: money(minor, "USD")?,
                    })
                })
                .collect::<ApiResult<_>>()?,
            backup_withholding: reporting.backup_withholding,
        })
    }
}

/// A calendar year as its 1099-NEC forms see it (admins and finance).
pub struct TaxYear {
    pub year: i32,
    pub reporting: Reporting,
    pub today: chrono::NaiveDate,
    pub issued: Option<entity::tax_year::Model>,
}

impl TaxYear {
    fn judge(&self) -> Judge<'_> {
        Judge {
            reporting: &self.reporting,
            threshold: self.reporting.threshold(self.year),
            today: self.today,
        }
    }
}

/// What a year adds up to.
#[derive(SimpleObject)]
pub struct TaxYearTotals {
    /// Payees paid in the year.
    pub payees: u64,
    /// Of them, reportable.
    pub reportable: u64,
    /// What counts of the reportable payees: Box 1's sum, in USD.
    pub amount: Decimal,
    /// What was withheld of them: Box 4's sum, in USD.
    pub withheld: Decimal,
}

/// A calendar year as its 1099-NEC forms see it (admins, finance and
/// viewers).
#[Object]
impl TaxYear {
    /// The calendar year.
    async fn year(&self) -> i32 {
        self.year
    }

    /// Its threshold, in USD.
    async fn threshold(&self) -> ApiResult<Decimal> {
        money(self.reporting.threshold(self.year), "USD")
    }

    /// Whether its forms were issued.
    async fn status(&self) -> TaxYearStatus {
        match self.issued {
            Some(_) => TaxYearStatus::Issued,
            None => TaxYearStatus::Open,
        }
    }

    /// When its forms were first issued.
    async fn issued_at(&self) -> Option<DateTime> {
        self.issued.as_ref().map(|y| y.issued_at.into())
    }

    /// Its payees, in the order of their keys; with `status`, only those.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn payees(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1 to 100, 50 by default).")] first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "Only payees in this status.")] status: Option<TaxPayeeStatus>,
    ) -> ApiResult<crate::graphql::connection::ListConnection<TaxPayee>> {
        use crate::graphql::connection::{TotalCount, connection};
        let tenant_id = principal(ctx)?.tenant_id();
        let request = revshare_core::paging::PageRequest::parse(
            crate::graphql::context::page_args(first, after, None, None),
            revshare_core::paging::DEFAULT_LIMITS,
        )?;
        let after = request.cursor.as_deref();
        let conn = db(ctx)?.conn();
        let judge = self.judge();
        let (rows, has_next, count) = match status {
            None => {
                let (rows, more) =
                    year::page(conn, tenant_id, self.year, &judge, after, request.size).await?;
                // Counted only when `totalCount` is asked: a page alone
                // reads its own payees' totals and no more.
                let (pool, tenant, year) = (conn.clone(), tenant_id.to_owned(), self.year);
                let count = TotalCount::exact(move || {
                    let (pool, tenant) = (pool.clone(), tenant.clone());
                    async move { year::count(&pool, &tenant, year).await }
                });
                (rows, more, count)
            }
            Some(wanted) => {
                let wanted: year::PayeeStatus = wanted.into();
                let all: Vec<year::Payee> = year::all(conn, tenant_id, self.year, &judge)
                    .await?
                    .into_iter()
                    .filter(|p| p.status == wanted)
                    .collect();
                let count = TotalCount::known(all.len() as u64);
                let mut rows: Vec<year::Payee> = all
                    .into_iter()
                    .filter(|p| after.is_none_or(|a| p.key.as_str() > a))
                    .take(request.size as usize + 1)
                    .collect();
                let more = rows.len() as u64 > request.size;
                rows.truncate(request.size as usize);
                (rows, more, count)
            }
        };
        // The page's partners and forms in two statements, whatever its
        // size: each payee takes its own.
        let partner_ids: Vec<String> = rows.iter().flat_map(|p| p.partner_ids.clone()).collect();
        let partners: Vec<std::sync::Arc<entity::partner::Model>> =
            revshare_core::directory::partners::by_ids(conn, tenant_id, &partner_ids)
                .await?
                .into_iter()
                .map(std::sync::Arc::new)
                .collect();
        let keys: Vec<String> = rows.iter().map(|p| p.key.clone()).collect();
        let forms = match keys.is_empty() {
            true => Vec::new(),
            false => {
                revshare_core::tax::forms::forms_of_payees(conn, tenant_id, self.year, keys).await?
            }
        };
        let page = revshare_core::paging::Page {
            rows,
            has_previous: after.is_some(),
            has_next,
        };
        Ok(connection(
            page,
            count,
            |p| p.key.clone(),
            |p| {
                Some(TaxPayee {
                    partners: partners
                        .iter()
                        .filter(|row| p.partner_ids.contains(&row.id))
                        .cloned()
                        .collect(),
                    forms: forms
                        .iter()
                        .filter(|f| f.payee_key == p.key)
                        .cloned()
                        .collect(),
                    payee: p,
                })
            },
        ))
    }

    /// What the year adds up to (reads every payee's totals).
    async fn totals(&self, ctx: &Context<'_>) -> ApiResult<TaxYearTotals> {
        let tenant_id = principal(ctx)?.tenant_id();
        let payees = year::all(db(ctx)?.conn(), tenant_id, self.year, &self.judge()).await?;
        let totals = year::totals(&payees);
        Ok(TaxYearTotals {
            payees: totals.payees,
            reportable: totals.reportable,
            amount: money(totals.amount, "USD")?,
            withheld: money(totals.withheld, "USD")?,
        })
    }

    /// The forms issued for it, in the order issued; with `corrected`,
    /// only corrections (true) or only originals (false).
    async fn forms(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only corrections (true) or only originals (false).")] corrected: Option<
            bool,
        >,
    ) -> ApiResult<Vec<TaxForm1099>> {
        let tenant_id = principal(ctx)?.tenant_id();
        let forms = revshare_core::tax::forms::forms_of(db(ctx)?.conn(), tenant_id, self.year)
            .await?
            .into_iter()
            .filter(|f| corrected.is_none_or(|c| f.corrected == c));
        forms_for(ctx, forms).await
    }
}

/// One payee of a year: the partners sharing a TIN, or a partner without
/// an approved W-9.
pub struct TaxPayee {
    payee: year::Payee,
    /// Its partners and forms, read for the whole page at once.
    partners: Vec<std::sync::Arc<entity::partner::Model>>,
    forms: Vec<tax_form::Model>,
}

/// One payee of a year: the partners sharing a TIN, or a partner without
/// an approved W-9.
#[Object]
impl TaxPayee {
    /// The payee's key: its TIN's keyed hash (20 hex digits), or its
    /// partner's id when it has no approved W-9. A form's account number.
    async fn key(&self) -> &str {
        &self.payee.key
    }

    /// The name its profile gives (a W-9's line 1), else its partner's.
    async fn name(&self) -> String {
        self.payee
            .profile
            .as_ref()
            .and_then(|p| p.legal_name.clone())
            .or_else(|| self.partners.first().map(|p| p.name.clone()))
            .unwrap_or_default()
    }

    /// The kind of its TIN (a W-9's).
    async fn tin_type(&self) -> Option<TinType> {
        self.payee
            .profile
            .as_ref()
            .and_then(|p| p.tin_type)
            .map(Into::into)
    }

    /// The last four digits of its TIN.
    async fn tin_last4(&self) -> Option<&str> {
        self.payee.profile.as_ref().map(|p| p.tax_id_last4.as_str())
    }

    /// Its partners.
    async fn partners(&self, ctx: &Context<'_>) -> ApiResult<Vec<Partner>> {
        Ok(Partner::all(policy(ctx)?, self.partners.iter().cloned()))
    }

    /// Paid in the year in USD: `counted` + `excluded`.
    async fn paid(&self) -> ApiResult<Decimal> {
        money(self.payee.paid(), "USD")
    }

    /// Paid by a method a TPSO reports (PayPal by default): not counted.
    async fn excluded(&self) -> ApiResult<Decimal> {
        money(self.payee.excluded, "USD")
    }

    /// What a 1099-NEC counts: Box 1.
    async fn counted(&self) -> ApiResult<Decimal> {
        money(self.payee.counted, "USD")
    }

    /// Backup withholding: Box 4.
    async fn withheld(&self) -> ApiResult<Decimal> {
        money(self.payee.withheld, "USD")
    }

    /// Paid in other currencies: no 1099 reports it.
    async fn other_currencies(&self) -> ApiResult<Vec<super::Money>> {
        self.payee
            .other
            .iter()
            .map(|(currency, minor)| super::Money::of(*minor, currency))
            .collect()
    }

    /// Whether it gets a form, and if not why.
    async fn status(&self) -> TaxPayeeStatus {
        self.payee.status.into()
    }

    /// Its forms of the year, in the order issued.
    async fn forms(&self, ctx: &Context<'_>) -> ApiResult<Vec<TaxForm1099>> {
        forms_for(ctx, self.forms.iter().cloned()).await
    }
}

/// A Form 1099-NEC as issued: never edited; a change makes another,
/// `corrected`.
pub struct TaxForm1099(pub Visible<PayeeForm>);

impl TaxForm1099 {
    /// The form, as its Row column reads.
    fn form(&self) -> ApiResult<&tax_form::Model> {
        Ok(&self.0.read(C::Row)?.form)
    }
}

/// A Form 1099-NEC as issued: never edited; a change makes another,
/// `corrected`, beside it.
#[Object]
impl TaxForm1099 {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().form.id.clone())
    }

    /// The calendar year it reports.
    async fn year(&self) -> ApiResult<i32> {
        let form = self.form()?;
        Ok(form.year)
    }

    /// Its payee's key: the form's account number.
    async fn payee(&self) -> ApiResult<&str> {
        let form = self.form()?;
        Ok(&form.payee_key)
    }

    /// The recipient's name.
    async fn name(&self) -> ApiResult<&str> {
        let form = self.form()?;
        Ok(&form.name)
    }

    /// The last four digits of the recipient's TIN.
    async fn tin_last4(&self) -> ApiResult<Option<&str>> {
        let form = self.form()?;
        Ok(form.tin_last4.as_deref())
    }

    /// Nonemployee compensation, in USD.
    async fn box1(&self) -> ApiResult<Decimal> {
        money(self.form()?.box1_minor, "USD")
    }

    /// Federal income tax withheld, in USD.
    async fn box4(&self) -> ApiResult<Decimal> {
        money(self.form()?.box4_minor, "USD")
    }

    /// A correction of an earlier form.
    async fn corrected(&self) -> ApiResult<bool> {
        let form = self.form()?;
        Ok(form.corrected)
    }

    /// The form it corrects.
    async fn corrects_id(&self) -> ApiResult<Option<ID>> {
        let form = self.form()?;
        Ok(form.corrects_id.clone().map(ID))
    }

    /// Its payee consented to electronic delivery (else it is posted).
    async fn electronic(&self) -> ApiResult<bool> {
        let form = self.form()?;
        Ok(form.electronic)
    }

    /// When it was issued.
    async fn issued_at(&self) -> ApiResult<DateTime> {
        let form = self.form()?;
        Ok(form.issued_at.into())
    }

    /// Copy B, for the recipient (`GET`, with the caller's token).
    async fn pdf_url(&self) -> ApiResult<String> {
        let form = self.form()?;
        Ok(format!("/tax/{}.pdf", form.id))
    }
}

/// A payment made outside revshare, entered for the year-end forms.
pub struct TaxPayment(pub Visible<tax_payment::Model>);

/// A payment made outside revshare, entered for the year-end forms.
#[Object]
impl TaxPayment {
    /// The partner paid.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let rows = revshare_core::directory::partners::by_ids(
            db(ctx)?.conn(),
            principal(ctx)?.tenant_id(),
            std::slice::from_ref(&self.0.read(C::Row)?.partner_id),
        )
        .await?;
        Ok(
            Partner::all(policy(ctx)?, rows.into_iter().map(std::sync::Arc::new))
                .into_iter()
                .next(),
        )
    }

    /// In USD.
    async fn amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.amount_minor, &row.currency)
    }

    /// The day paid: the year it counts in.
    async fn paid_on(&self) -> ApiResult<Date> {
        Ok(Date(self.0.read(C::Row)?.paid_on))
    }

    /// What it was, as entered.
    async fn note(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.note.as_deref())
    }

    /// When it was entered.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.created_at.into())
    }
}

/// `form` as the caller reads it: its payee's partner whose name it
/// bears, and the tenant's staff who read tax ([`PayeeForm::visible`]);
/// `None` to anyone else, exactly as an id naming nothing.
pub async fn form_for(
    conn: &revshare_core::db::Pool,
    policy: &revshare_core::auth::access::Policy,
    form: tax_form::Model,
) -> ApiResult<Option<TaxForm1099>> {
    Ok(PayeeForm::visible(conn, policy, form)
        .await?
        .map(TaxForm1099))
}

/// Those of `forms` the caller reads, in their order.
async fn forms_for(
    ctx: &Context<'_>,
    forms: impl IntoIterator<Item = tax_form::Model>,
) -> ApiResult<Vec<TaxForm1099>> {
    let (conn, policy) = (db(ctx)?.conn(), policy(ctx)?);
    let mut readable = Vec::new();
    for form in forms {
        readable.extend(form_for(conn, policy, form).await?);
    }
    Ok(readable)
}
