use crate::enums::{PayoutMethodType, PayoutRail, PayoutStatus, RailStatus, UsAccountType};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub partner_id: String,
    pub currency: String,
    /// What it pays: `net_minor` plus `vat_minor`.
    pub amount_minor: i64,
    /// The payment's reference; `''` until a pending payout is paid.
    pub reference: String,
    pub commission_count: i32,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// For spiffs: the contact paid.
    pub recipient_id: Option<String>,
    /// It pays one of the tenant's own people.
    pub staff_payee: bool,
    pub status: PayoutStatus,
    /// `{year}-{000001}`: gapless per tenant and year.
    pub statement_number: String,
    /// The run that made it; none for a payout marked paid by hand.
    pub run_id: Option<String>,
    /// The payout method as it was when the payout was made.
    pub method_type: Option<PayoutMethodType>,
    pub method_paypal_email: Option<String>,
    pub method_iban: Option<String>,
    pub method_bic: Option<String>,
    pub method_account_holder: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    pub failed_at: Option<DateTimeUtc>,
    pub failure_reason: Option<String>,
    /// The rail sending it (SPEC §26); none for a payout paid otherwise.
    pub rail: Option<PayoutRail>,
    pub rail_status: Option<RailStatus>,
    /// PayPal's `payout_item_id`, Stripe's transfer id.
    pub rail_reference: Option<String>,
    /// PayPal's `payout_batch_id`.
    pub rail_batch: Option<String>,
    pub rail_error: Option<String>,
    /// Sends started: once one is, the payout is never failed for want of
    /// an answer (the money may have left).
    pub rail_sends: i32,
    /// Looks at the provider since it was sent (the backoff's exponent).
    pub rail_polls: i32,
    pub rail_next_at: Option<DateTimeUtc>,
    /// The replica sending it, while `rail_lease_until` holds.
    pub rail_lease: Option<String>,
    pub rail_lease_until: Option<DateTimeUtc>,
    pub rail_updated_at: Option<DateTimeUtc>,
    /// The Stripe account of a `STRIPE_CONNECT` method, as it was.
    pub method_stripe_account: Option<String>,
    /// An `ACH` method's routing and account number, and its kind, as
    /// they were.
    pub method_routing_number: Option<String>,
    pub method_account_number: Option<String>,
    pub method_account_type: Option<UsAccountType>,
    /// The `sender_batch_id` a PayPal payout is sent under, fixed when it
    /// is queued: a run's part of at most PayPal's 15,000 items a call.
    pub rail_sender_batch: Option<String>,
    /// How much of its Stripe transfer Stripe reversed (the transfer's
    /// cumulative `amount_reversed`).
    pub reversed_minor: i64,
    /// When it was handed to finance in a file, and which format: then it
    /// is not sent by API until finance withdraws the file.
    pub filed_at: Option<DateTimeUtc>,
    pub filed_as: Option<String>,
    /// Backup withholding: what of `amount_minor` it does not send.
    pub withheld_minor: i64,
    /// What its commissions and clawbacks sum to; `amount_minor` is this
    /// plus `vat_minor` (SPEC §33).
    pub net_minor: i64,
    /// The VAT a self-billed invoice adds to the net; 0 otherwise.
    pub vat_minor: i64,
    /// The VAT rate applied, a percentage as decimal text (`19`).
    pub vat_rate: Option<String>,
    /// Self-billed: the VAT decision and both parties as they were when
    /// the payout was made (JSON); none for a payout that is not.
    pub self_billing: Option<String>,
    /// A `WISE` method's currency, sort code, holder's legal type and
    /// address, as they were when the payout was made.
    pub method_currency: Option<String>,
    pub method_sort_code: Option<String>,
    pub method_legal_type: Option<String>,
    pub method_address: Option<String>,
    /// The Wise recipient the payout is sent to (known once made).
    pub method_wise_recipient: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
