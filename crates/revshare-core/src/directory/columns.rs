//! Partners read by column: a list that shows names and groups need not
//! decode each row's e-mail, timestamps, payout minimums and referral
//! marks. A reader names the columns it reads; the others keep a
//! placeholder ([`blank`]) that nothing may read (as the ledger's rows,
//! [`crate::ledger::columns`]). The loader of whole partners by id reads
//! every column through [`decode`] too: by position, not looked up by name.

use chrono::{DateTime, Utc};
use entity::enums::{PartnerStatus, PartnerType};
use entity::partner::{Column, Model};
use sea_orm::{DbErr, QueryResult};

/// What every column read takes: the row's identity (its cursor and who
/// may read it), its tenant, and its group (the relation lists prime).
pub const ALWAYS: [Column; 3] = [Column::Id, Column::TenantId, Column::GroupId];

/// A row whose every column holds a placeholder.
fn blank() -> Model {
    let never = DateTime::<Utc>::UNIX_EPOCH;
    Model {
        id: String::new(),
        tenant_id: String::new(),
        group_id: String::new(),
        name: String::new(),
        email: None,
        email_key: None,
        external_id: None,
        r#type: PartnerType::Referral,
        status: PartnerStatus::Active,
        created_at: never,
        updated_at: never,
        minimum_payout: None,
        referred_by: None,
        referral_started_at: None,
        referral_threshold_at: None,
        country: None,
        tags: String::new(),
        language: None,
        trusted: false,
    }
}

/// A row of a statement that selected `columns`, in that order.
pub fn decode(row: &QueryResult, columns: &[Column]) -> Result<Model, DbErr> {
    let mut m = blank();
    for (i, column) in columns.iter().enumerate() {
        match column {
            Column::Id => m.id = row.try_get_by_index(i)?,
            Column::TenantId => m.tenant_id = row.try_get_by_index(i)?,
            Column::GroupId => m.group_id = row.try_get_by_index(i)?,
            Column::Name => m.name = row.try_get_by_index(i)?,
            Column::Email => m.email = row.try_get_by_index(i)?,
            Column::EmailKey => m.email_key = row.try_get_by_index(i)?,
            Column::ExternalId => m.external_id = row.try_get_by_index(i)?,
            Column::Type => m.r#type = row.try_get_by_index(i)?,
            Column::Status => m.status = row.try_get_by_index(i)?,
            Column::CreatedAt => m.created_at = row.try_get_by_index(i)?,
            Column::UpdatedAt => m.updated_at = row.try_get_by_index(i)?,
            Column::MinimumPayout => m.minimum_payout = row.try_get_by_index(i)?,
            Column::ReferredBy => m.referred_by = row.try_get_by_index(i)?,
            Column::ReferralStartedAt => m.referral_started_at = row.try_get_by_index(i)?,
            Column::ReferralThresholdAt => m.referral_threshold_at = row.try_get_by_index(i)?,
            Column::Country => m.country = row.try_get_by_index(i)?,
            Column::Tags => m.tags = row.try_get_by_index(i)?,
            Column::Language => m.language = row.try_get_by_index(i)?,
            Column::Trusted => m.trusted = row.try_get_by_index(i)?,
        }
    }
    Ok(m)
}
