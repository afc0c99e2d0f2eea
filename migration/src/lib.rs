//! Schema migrations for revshare, one module per change. A migration that has
//! landed is never edited: a later change to the schema is a new module.
//!
//! Money is never stored in a decimal column (SQLite would round-trip it through
//! floating point): amounts are `BIGINT` minor units beside an ISO 4217 code,
//! and rule parameters are decimal strings inside JSON.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_directory;
mod m20261121_000002_ledger;
mod m20261121_000003_partner_totals;
mod m20261121_000004_partner_balances;
mod m20261121_000005_deals;
mod m20261121_000006_tiers;
mod m20261121_000007_event_keys;
mod m20261122_000008_staff_payees;
mod m20261122_000009_partner_page_keys;
mod m20261122_000010_domain_events;
mod m20261123_000011_partner_workflows;
mod m20261123_000012_attribution;
mod m20261123_000013_billing_connectors;
mod m20261123_000014_reports;
mod m20261124_000015_payouts;
mod m20261124_000016_portal;
mod m20261125_000017_payout_holds;
mod m20261126_000018_connector_waits;
mod m20261126_000019_event_outcomes;
mod m20261127_000020_program_identity;
mod m20261128_000021_mail_and_applications;
mod m20261129_000022_mail_cursors;
mod m20261130_000023_fraud;
mod m20261201_000024_currencies;
mod m20261202_000025_backtests;
mod m20261203_000026_deal_history;
mod m20261204_000027_staff;
mod m20261205_000028_imports;
mod m20261206_000029_payout_rails;
mod m20261207_000030_payout_money;
mod m20261208_000031_partner_email_keys;
mod m20261209_000032_sign_in_requests;
mod m20261210_000033_tax_profile_details;
mod m20261211_000034_tax_year;
mod m20261212_000035_partner_links;
mod m20261213_000036_referrals_and_caps;
mod m20261214_000037_bounties;
mod m20261215_000038_kept_rows;
mod m20261216_000039_link_domain_proof;
mod m20261217_000040_mail_sent_again;
mod m20261218_000041_tax_profile_submissions;
mod m20261219_000042_commissions_by_accrual;
mod m20261220_000043_us_accounts_and_countries;
mod m20261221_000044_sale_lines;
mod m20261222_000045_line_refunds;
mod m20261223_000046_self_billing;
mod m20261224_000047_activity;
mod m20261225_000048_messages;
mod m20261226_000049_invoices_that_add_up;
mod m20261227_000050_held_line_refunds;
mod m20261228_000051_broadcast_batches;
mod m20261229_000052_failures_of_stored_json;
mod m20261230_000053_activity_cutoffs_said;
mod m20261231_000054_reaction_cursors;
mod m20270101_000055_documents_books_accept;
mod m20270102_000056_invoice_objections;
mod m20270103_000057_languages;
mod m20270104_000058_documents_in_a_language;
mod m20270105_000059_partners_read_their_language;
mod m20270106_000060_wise;
mod m20270107_000061_retainers;
mod m20270108_000062_trusted_partners;
mod m20270109_000063_traffic_sources;
mod m20270110_000064_bounties_aimed;
mod m20270111_000065_announcements;
mod m20270112_000066_resources;
mod m20270113_000067_click_months;
mod m20270114_000068_implied_keys;

/// An address as compared for uniqueness among a tenant's partners.
pub use m20261208_000031_partner_email_keys::email_key as partner_email_key;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_directory::Migration),
            Box::new(m20261121_000002_ledger::Migration),
            Box::new(m20261121_000003_partner_totals::Migration),
            Box::new(m20261121_000004_partner_balances::Migration),
            Box::new(m20261121_000005_deals::Migration),
            Box::new(m20261121_000006_tiers::Migration),
            Box::new(m20261121_000007_event_keys::Migration),
            Box::new(m20261122_000008_staff_payees::Migration),
            Box::new(m20261122_000009_partner_page_keys::Migration),
            Box::new(m20261122_000010_domain_events::Migration),
            Box::new(m20261123_000011_partner_workflows::Migration),
            Box::new(m20261123_000012_attribution::Migration),
            Box::new(m20261123_000013_billing_connectors::Migration),
            Box::new(m20261123_000014_reports::Migration),
            Box::new(m20261124_000015_payouts::Migration),
            Box::new(m20261124_000016_portal::Migration),
            Box::new(m20261125_000017_payout_holds::Migration),
            Box::new(m20261126_000018_connector_waits::Migration),
            Box::new(m20261126_000019_event_outcomes::Migration),
            Box::new(m20261127_000020_program_identity::Migration),
            Box::new(m20261128_000021_mail_and_applications::Migration),
            Box::new(m20261129_000022_mail_cursors::Migration),
            Box::new(m20261130_000023_fraud::Migration),
            Box::new(m20261201_000024_currencies::Migration),
            Box::new(m20261202_000025_backtests::Migration),
            Box::new(m20261203_000026_deal_history::Migration),
            Box::new(m20261204_000027_staff::Migration),
            Box::new(m20261205_000028_imports::Migration),
            Box::new(m20261206_000029_payout_rails::Migration),
            Box::new(m20261207_000030_payout_money::Migration),
            Box::new(m20261208_000031_partner_email_keys::Migration),
            Box::new(m20261209_000032_sign_in_requests::Migration),
            Box::new(m20261210_000033_tax_profile_details::Migration),
            Box::new(m20261211_000034_tax_year::Migration),
            Box::new(m20261212_000035_partner_links::Migration),
            Box::new(m20261213_000036_referrals_and_caps::Migration),
            Box::new(m20261214_000037_bounties::Migration),
            Box::new(m20261215_000038_kept_rows::Migration),
            Box::new(m20261216_000039_link_domain_proof::Migration),
            Box::new(m20261217_000040_mail_sent_again::Migration),
            Box::new(m20261218_000041_tax_profile_submissions::Migration),
            Box::new(m20261219_000042_commissions_by_accrual::Migration),
            Box::new(m20261220_000043_us_accounts_and_countries::Migration),
            Box::new(m20261221_000044_sale_lines::Migration),
            Box::new(m20261222_000045_line_refunds::Migration),
            Box::new(m20261223_000046_self_billing::Migration),
            Box::new(m20261224_000047_activity::Migration),
            Box::new(m20261225_000048_messages::Migration),
            Box::new(m20261226_000049_invoices_that_add_up::Migration),
            Box::new(m20261227_000050_held_line_refunds::Migration),
            Box::new(m20261228_000051_broadcast_batches::Migration),
            Box::new(m20261229_000052_failures_of_stored_json::Migration),
            Box::new(m20261230_000053_activity_cutoffs_said::Migration),
            Box::new(m20261231_000054_reaction_cursors::Migration),
            Box::new(m20270101_000055_documents_books_accept::Migration),
            Box::new(m20270102_000056_invoice_objections::Migration),
            Box::new(m20270103_000057_languages::Migration),
            Box::new(m20270104_000058_documents_in_a_language::Migration),
            Box::new(m20270105_000059_partners_read_their_language::Migration),
            Box::new(m20270106_000060_wise::Migration),
            Box::new(m20270107_000061_retainers::Migration),
            Box::new(m20270108_000062_trusted_partners::Migration),
            Box::new(m20270109_000063_traffic_sources::Migration),
            Box::new(m20270110_000064_bounties_aimed::Migration),
            Box::new(m20270111_000065_announcements::Migration),
            Box::new(m20270112_000066_resources::Migration),
            Box::new(m20270113_000067_click_months::Migration),
            Box::new(m20270114_000068_implied_keys::Migration),
        ]
    }
}
