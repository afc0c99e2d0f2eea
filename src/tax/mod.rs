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
//! - [`iris`]: the IRIS Taxpayer Portal's CSV, filled by the header pasted.
//!
//! Who: a year, its forms and its files are read and issued by the
//! tenant's admins and finance (`commissions:write`); a partner reads its
//! own payee's forms; no one else, viewers included (the forms carry
//! whole TINs).

pub mod copy_b;
pub mod forms;
pub mod iris;
pub mod settings;
pub mod year;

use crate::auth::Scope;
use crate::auth::access::Policy;
use crate::error::ApiResult;

/// Admins and finance: who reads and issues a year.
pub fn staff(policy: &Policy) -> ApiResult<()> {
    policy.staff(
        Scope::CommissionsWrite,
        "a partner reads its own tax forms (viewer.partner.taxForms)",
    )
}

/// Whether the caller may read `form`: the tenant's admins and finance,
/// and its payee's partners.
pub fn reads_form(policy: &Policy, form: &entity::tax_form::Model) -> bool {
    match policy.principal().own_partner() {
        Some(partner) => forms::names_partner(form, partner),
        None => staff(policy).is_ok(),
    }
}
