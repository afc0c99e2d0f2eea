//! Year-end tax forms for US programs (SPEC §29): the 1099-NEC a brand
//! gives each US payee it paid enough in a calendar year.
//!
//! - [`settings`]: the tenant as payer, the methods a TPSO reports, the
//!   thresholds by year, backup withholding;
//! - [`year`]: a year's payees and their status, from the totals kept as
//!   payments are made ([`crate::payouts::tax_payments`]);
//! - [`forms`]: issuing — frozen forms, corrections beside them, the
//!   e-mails;
//! - [`copy_b`]: Copy B as a substitute statement, one PDF or many;
//! - [`iris`]: the IRIS Taxpayer Portal's CSV, filled by the header pasted;
//! - [`expiry`]: a W-8's partner told once, 30 days before it expires.
//!
//! Who: a year, its payees and its forms (TINs masked) are read by the
//! tenant's admins, finance (`commissions:write`) and viewers; issuing,
//! payments entered by hand and the files with whole TINs (the IRIS CSV,
//! the paper Copy Bs) are admins' and finance's; a partner reads its own
//! payee's forms; no one else.

pub mod copy_b;
pub mod expiry;
pub mod forms;
pub mod iris;
pub mod settings;
pub mod year;

use crate::auth::access::{Column, Kind, Policy};
use crate::auth::visible::{Exposed, Visible};
use crate::error::ApiResult;

/// Admins and finance: who issues a year, enters payments and takes the
/// files that carry whole TINs (the table's `TinWhole` of a year).
pub fn staff(policy: &Policy) -> ApiResult<()> {
    policy.reads_column(Kind::TaxYear, Column::TinWhole)
}

/// Who reads a year, the payer and the forms: admins, finance, viewers.
pub fn readers(policy: &Policy) -> ApiResult<()> {
    policy.reads_column(Kind::TaxYear, Column::Row)
}

/// A form as one caller reaches it: the form, and — when the caller is one
/// of its payee's partners and the form is issued under its name — that
/// partner, whose own the form then is in the table.
#[derive(Debug, Clone)]
pub struct PayeeForm {
    pub form: entity::tax_form::Model,
    reader: Option<String>,
}

impl Exposed for PayeeForm {
    const KIND: Kind = Kind::TaxForm;

    fn partner(&self) -> Option<&str> {
        self.reader.as_deref()
    }
}

impl PayeeForm {
    /// `form` as `policy`'s caller sees it: the tenant's admins, finance
    /// and viewers read every form; a partner of its payee only under the
    /// name the form is issued in. Partners whose W-9s give one TIN are one
    /// payee, and a form names one of them; one whose own W-9 gives another
    /// name (a TIN copied from someone else) never reads that person's
    /// form. `None`: not the caller's to read.
    pub async fn visible(
        conn: &impl sea_orm::ConnectionTrait,
        policy: &Policy,
        form: entity::tax_form::Model,
    ) -> ApiResult<Option<Visible<PayeeForm>>> {
        let partners = forms::partners_of(&form)?;
        let reader = match policy.partner_among(&partners) {
            Some(own) if partners.len() <= 1 || named(conn, policy, own, &form).await? => {
                Some(own.to_owned())
            }
            _ => None,
        };
        Ok(Visible::new(policy, PayeeForm { form, reader }).filter(|form| form.readable()))
    }
}

/// Whether `partner`'s own W-9 gives the name `form` is issued in.
async fn named(
    conn: &impl sea_orm::ConnectionTrait,
    policy: &Policy,
    partner: &str,
    form: &entity::tax_form::Model,
) -> ApiResult<bool> {
    let profile = crate::payouts::tax::find(conn, policy.tenant_id(), partner).await?;
    Ok(profile
        .and_then(|p| p.legal_name)
        .is_some_and(|name| crate::payouts::tax_submissions::same_name(&name, &form.name)))
}
