use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tenants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
    /// The key clicks' IPs are hashed with, made at the first click.
    pub click_key: Option<String>,
    /// The time zone its stats were built in (none: not built yet).
    pub stats_zone: Option<String>,
    pub created_at: DateTimeUtc,
    /// The smallest payout per currency, as JSON (`[{"currency", "amountMinor"}]`).
    pub minimum_payout: Option<String>,
    /// The account SEPA files pay from.
    pub payout_account_iban: Option<String>,
    pub payout_account_bic: Option<String>,
    pub payout_account_name: Option<String>,
    /// Runs pay only partners whose tax profile is approved.
    pub require_tax_profile: bool,
    /// The program's name as partners see it (none: the tenant's name).
    pub program_name: Option<String>,
    /// The address partners and staff e-mails name for support.
    pub support_email: Option<String>,
    /// The brand's colour, `#rrggbb`.
    pub brand_color: Option<String>,
    /// The payer of its 1099s, as JSON; its EIN sealed.
    pub tax_payer: Option<String>,
    /// The payout methods a TPSO reports (JSON list; none: `["PAYPAL"]`).
    pub tax_excluded_methods: Option<String>,
    /// Its own reporting thresholds by year (JSON `[{year, amountMinor}]`).
    pub tax_thresholds: Option<String>,
    pub backup_withholding: bool,
    /// How its staff hear of partners' messages at the support address.
    pub staff_message_mail: crate::enums::MailPreference,
    /// The languages it offers its partners (JSON list of ISO 639-1
    /// codes, in its order).
    pub languages: String,
    /// Its default among them.
    pub default_language: String,
    /// Who gets the daily fraud digest (SPEC §37): a JSON list of
    /// addresses, `[]` for none.
    pub fraud_digest_recipients: String,
    /// From which hour of the tenant's day the digest is sent (0–23).
    pub fraud_digest_hour: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
