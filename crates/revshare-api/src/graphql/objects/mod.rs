//! The schema's object types, declared here in one place; their fields are
//! resolved in one module per domain (`directory`, `campaigns`, `ledger`,
//! `viewer`), which import these declarations from here and never each
//! other. Every field that exposes data checks the scope guarding it
//! ([`super::context::guard`]), wherever the object was reached from, and
//! every relation resolves through the request's loaders.

pub(crate) mod activity;
pub(crate) mod announcements;
mod attribution;
pub(crate) mod bounties;
mod campaigns;
mod currencies;
mod deals;
mod directory;
pub(crate) mod engagement;
mod events;
mod fraud;
mod groups;
mod invoices;
mod ledger;
mod links;
mod mail;
pub(crate) mod messages;
mod money;
mod partner_reads;
mod payouts;
mod plan_fields;
pub(crate) mod reports;
pub(crate) mod resources;
pub(crate) mod retainers;
mod runs;
mod sales;
mod tax;
mod tenant;
mod tiers;
mod viewer;
mod webhooks;

use super::enums::{PlanTrigger, TierAction, ValueSource};
use super::scalars::Decimal;
use crate::graphql::loaders::{DealStageId, DirectoryLoader};
use async_graphql::SimpleObject;
use async_graphql::dataloader::Loader;
use entity::{
    campaign, category, change, commission, commission_plan, commission_transition, contact,
    custom_field, custom_field_option, deal, deal_field_value, deal_stage, deal_term,
    deal_term_version, domain_event, enrollment, event, partner, partner_commission, partner_group,
    partnership_request, payout, payout_run, payout_run_skip, tier_progress, tiered_commission,
    webhook_delivery, webhook_endpoint,
};
use revshare_core::auth::access::Policy;
use revshare_core::auth::visible::{Exposed, Visible};
use revshare_core::campaigns::enrollment::Terms;
use revshare_core::deals::accrue::FrozenPlan;
use revshare_core::error::{ApiError, ApiResult};
use revshare_engine::plans;
use std::sync::Arc;

/// A partner of the tenant's program: a referrer, reseller or distributor.
pub struct Partner(pub Visible<Arc<partner::Model>>);

/// A label a tenant gives partners (an industry, a region, …).
pub struct Category(pub Visible<category::Model>);

/// A tier of partners and the rules that set their commissions.
pub struct PartnerGroup(pub Visible<Arc<partner_group::Model>>);

/// An offer partners promote, with its commission terms.
pub struct Campaign(pub Visible<Arc<campaign::Model>>);

/// An e-mail in the outbox, rendered once however many of its subject,
/// text and HTML are asked for.
pub struct Email(
    pub Visible<entity::email::Model>,
    pub tokio::sync::OnceCell<revshare_core::mail::content::Rendered>,
);

impl Email {
    /// `row` as `policy`'s caller sees it: none for a partner's token.
    pub fn seen(policy: &Policy, row: entity::email::Model) -> Option<Email> {
        Visible::new(policy, row).map(|row| Email(row, tokio::sync::OnceCell::new()))
    }
}

/// What a partner is e-mailed, and whether its address bounced.
pub struct EmailPreferences(pub revshare_core::mail::preferences::Preferences, pub bool);

/// A stranger's application; `applicant`: answered to the applicant by its
/// confirmation link (no token), which reads its own fields alone.
pub struct PartnerApplication {
    pub row: Visible<entity::partner_application::Model>,
    pub applicant: bool,
}

pub use attribution::HeldReason;
pub use bounties::{Bounty, BountyRejectionReason, BountySubmission, BountyType};
pub use currencies::Conversion;
pub use engagement::Recruit;
pub use fraud::{FraudAction, FraudDecision, FraudFlagStatus, FraudSignal};
pub use invoices::{Invoice, Invoicing, PartnerVat, SelfBillingAgreement};
pub use links::{
    IgnoredTrafficReason, LinkDimension, LinkDomain, LinkSettings, LinkStat, PartnerLink,
};
pub use mail::ApplicationAnswer;
pub use messages::{Broadcast, Message, Workflow};
pub(crate) use money::{balances, money};
pub use payouts::StripeConnect;
pub use retainers::{Retainer, RetainerPeriod};
pub use tax::{Address, TaxForm1099, TaxPayer, TaxPayment, TaxReporting, TaxYear, form_for};

/// What a fraud signal raised.
pub struct FraudFlag(pub Visible<entity::fraud_flag::Model>);

/// What a tenant does about one fraud signal.
pub struct FraudRule(pub revshare_core::fraud::policy::Rule);

/// A partner's referral code in a campaign.
pub struct ReferralCode(pub Visible<entity::referral_code::Model>);

/// A visit of a referral link, with its code.
pub struct Click(pub Visible<revshare_core::attribution::clicks::Clicked>);

/// A customer of the tenant, tied to the partner who brought it.
pub struct Customer(pub Visible<entity::attribution::Model>);

/// A sale or lead held until its customer is attributed.
pub struct UnattributedEvent(pub Visible<entity::unattributed_event::Model>);

/// A partner's request to join a public campaign.
pub struct PartnershipRequest(pub Visible<partnership_request::Model>);

/// A partner's place in a campaign, with the snapshot stamped when it joined
/// (or, when listed later, the snapshot in force now).
pub struct Enrollment {
    pub row: Visible<enrollment::Model>,
    pub snapshot: Option<partner_commission::Model>,
}

/// A snapshot of the terms a partner has in a campaign.
pub struct PartnerCommission(pub Visible<partner_commission::Model>);

/// The terms that apply to a partner's next event in a campaign, and where
/// each comes from.
pub struct TermsInForce {
    pub terms: Terms,
    pub campaign: Campaign,
    pub snapshot: Option<PartnerCommission>,
    /// The partner's own language (SPEC §38), read as its tenant offers
    /// it when the terms are asked for in words.
    pub language: Option<String>,
}

/// A ledger row: a partner earned (or, for a clawback, gave back) an amount
/// on an event.
pub struct Commission(pub Visible<commission::Model>);

/// One status change of a commission.
pub struct CommissionTransition(pub commission_transition::Model);

/// A conversion or charge, as recorded.
pub struct Event(pub Visible<event::Model>);

/// Money sent to a partner in one currency, for the commissions it settled.
pub struct Payout(pub Visible<payout::Model>);

/// The caller of this request.
pub struct Viewer;

/// Something that happened in the tenant: an entry of its event log.
pub struct DomainEvent(pub Visible<domain_event::Model>);

/// Where a tenant (or one of its partners) is sent its events.
pub struct WebhookEndpoint(pub Visible<webhook_endpoint::Model>);

/// One event sent (or to send) to an endpoint, and how it went; with the
/// partner whose endpoint it is, if a partner's.
pub struct WebhookDelivery(pub Visible<(webhook_delivery::Model, Option<String>)>);

/// A stage of the tenant's sales pipeline.
pub struct DealStage(pub Visible<deal_stage::Model>);

/// A select field deals carry.
pub struct CustomField(pub Visible<custom_field::Model>);

/// One option of a custom field.
pub struct CustomFieldOption(pub Visible<custom_field_option::Model>);

/// A person deals name and spiffs pay: a partner's staff or the tenant's own.
pub struct Contact(pub Visible<contact::Model>);

/// A deal-stage commission plan.
pub struct CommissionPlan(pub Visible<commission_plan::Model>);

/// One entry of a plan (or of a deal's frozen copy of one).
pub struct PlanEntry(pub plans::Entry);

/// An entry's calculation: exactly one of its fields is set.
pub struct PlanCalculation(pub plans::Calculation);

/// A one-off or recurring part of a calculation.
pub enum PaymentCalculation {
    OneOff(plans::OneOff),
    Recurring(plans::Recurring),
}

/// A scaling: the value by the option a deal holds for a field.
pub struct Scaling(pub plans::Scaling);

pub struct ScalingTier(pub plans::ScalingTier);

/// A value for a range of occurrences; `index` is its place in the list.
pub struct PeriodRate {
    pub rate: plans::PeriodRate,
    pub index: usize,
}

/// A deal a partner brought, moving through the pipeline.
pub struct Deal(pub Visible<deal::Model>);

/// One field of a deal or partner changed.
pub struct Change(pub change::Model);

/// The option a deal holds for a custom field.
pub struct DealFieldValue(pub deal_field_value::Model);

/// One version of a deal's terms: the plans it froze.
pub struct DealTerms {
    pub version: deal_term_version::Model,
    pub rows: Vec<deal_term::Model>,
    /// The deal's currency, which the plans' fixed values may not pay.
    pub currency: String,
}

/// A plan as a deal froze it, and why it applies.
pub struct DealPlan {
    pub row: deal_term::Model,
    pub plan: FrozenPlan,
    /// The deal's currency.
    pub currency: String,
}

/// An entry of a deal's plan that pays the deal nothing, and why.
#[derive(SimpleObject)]
pub struct InapplicableEntry {
    /// Its place in the plan's entries (0-based).
    pub entry_index: u32,
    /// Why it pays the deal nothing.
    pub reason: String,
}

/// What a plan would pay a deal, line by line, writing nothing.
#[derive(SimpleObject)]
pub struct PlanSimulation {
    /// Each commission the plan would pay, in order.
    pub lines: Vec<PlanSimulationLine>,
    /// The sum of the lines.
    pub total: Decimal,
    /// The deal's currency.
    pub currency: String,
}

/// One commission of a simulated schedule.
#[derive(SimpleObject)]
pub struct PlanSimulationLine {
    /// A stage reached, or a payment.
    pub trigger: PlanTrigger,
    /// The entry's payment stage.
    pub stage: DealStage,
    /// The entry's position in the plan.
    pub entry_index: u32,
    /// The occurrence, for payments.
    pub occurrence: Option<u32>,
    /// The value used, as written in the plan.
    pub value: String,
    /// Where the value came from: the entry, a period rate or a scaling tier.
    pub value_source: ValueSource,
    /// What a percentage was taken of.
    pub base: Decimal,
    /// Rounded once.
    pub amount: Decimal,
}

/// The tenant the caller belongs to.
pub struct Tenant(pub Visible<revshare_core::auth::Tenant>);

/// A performance tier: partners reaching its goals in a period earn more.
pub struct TieredCommission(pub Visible<tiered_commission::Model>);

/// A tier's modifier.
#[derive(SimpleObject)]
pub struct TierModifier {
    /// How the value changes the amount.
    pub action: TierAction,
    /// Percent for `INCREASE` and `DECREASE`, an amount in the campaign's
    /// currency for the others.
    pub value: Decimal,
}

/// The five measures of a period, as goals, maxima or totals.
#[derive(SimpleObject)]
pub struct TierMetrics {
    /// Commission amounts.
    pub payout: Decimal,
    /// Events' revenue, after revenue modifiers.
    pub revenue: Decimal,
    /// Sale amounts.
    pub sale_amount: Decimal,
    /// Sales (and deal payments).
    pub conversions: i64,
    /// Events of every kind.
    pub events: i64,
}

/// A partner's progress toward a tier in a campaign, this period.
pub struct TierProgress {
    /// The tier.
    pub tier: tiered_commission::Model,
    pub terms: revshare_engine::tiers::TierTerms,
    /// The campaign whose events count.
    pub campaign: Arc<campaign::Model>,
    pub period: (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    pub row: Option<tier_progress::Model>,
}

/// Commissions in one currency, by status — a partner's, or the spiffs a
/// contact is paid. `approved` nets clawbacks (negative rows, approved at
/// once).
#[derive(SimpleObject, Debug, PartialEq)]
pub struct Balance {
    /// The currency of these sums (ISO 4217).
    pub currency: String,
    /// Earned, not approved yet.
    pub accrued: Decimal,
    /// Approved, not paid yet, net of approved clawbacks.
    pub approved: Decimal,
    /// Paid.
    pub paid: Decimal,
    /// The day of the exchange rates these sums were converted at
    /// (`programTotals(currency:)`); null when nothing was converted.
    pub rate_day: Option<crate::graphql::scalars::Date>,
}

/// An amount in a currency.
#[derive(SimpleObject, Debug, PartialEq)]
pub struct Money {
    /// In the currency's decimals (`"50.00"` USD, `"5000"` JPY).
    pub amount: Decimal,
    /// ISO 4217.
    pub currency: String,
}

impl Money {
    pub(crate) fn of(minor: i64, currency: &str) -> ApiResult<Money> {
        Ok(Money {
            amount: money(minor, currency)?,
            currency: currency.to_owned(),
        })
    }
}

/// A payout run: everyone owed up to a day, paid in one go.
pub struct PayoutRun(pub Visible<payout_run::Model>);

/// A partner's balance a run carried over, and why.
pub struct SkippedPartner(pub Visible<payout_run_skip::Model>);

/// Where a partner is paid: its method now, or as a payout recorded it.
/// The IBAN is whole to the partner itself, masked (last 4) to others.
pub struct PayoutMethod(pub Visible<Method>);

/// A payout method's data, from the partner's method or a payout's copy.
pub struct Method {
    /// The partner paid (none: one of the tenant's staff, on a payout).
    pub partner_id: Option<String>,
    pub kind: entity::enums::PayoutMethodType,
    /// The PayPal account's e-mail.
    pub paypal_email: Option<String>,
    pub iban: Option<String>,
    /// The bank's BIC.
    pub bic: Option<String>,
    /// The bank account's holder.
    pub account_holder: Option<String>,
    /// A `STRIPE_CONNECT` method's Express account.
    pub stripe_account_id: Option<String>,
    /// An `ACH` method's routing and account number, and kind.
    pub routing_number: Option<String>,
    pub account_number: Option<String>,
    pub account_type: Option<entity::enums::UsAccountType>,
    /// A `WISE` method's currency, sort code, holder's legal type, address
    /// (JSON) and Wise recipient.
    pub currency: Option<String>,
    pub sort_code: Option<String>,
    pub legal_type: Option<String>,
    pub address: Option<String>,
    pub wise_recipient_id: Option<String>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A partner's tax profile; its tax id is never answered, only its last 4.
pub struct TaxProfile(pub Visible<entity::tax_profile::Model>);

impl Exposed for Method {
    const KIND: revshare_core::auth::access::Kind = revshare_core::auth::access::Kind::PayoutMethod;

    fn partner(&self) -> Option<&str> {
        self.partner_id.as_deref()
    }
}

/// The account a tenant pays SEPA transfers from.
#[derive(SimpleObject)]
pub struct PayoutAccount {
    /// The account's IBAN.
    pub iban: String,
    /// Its bank's BIC (optional within the SEPA area).
    pub bic: Option<String>,
    /// The account holder.
    pub name: String,
}

/// A minimum payout in force for a partner, and which setting it comes from.
#[derive(SimpleObject)]
pub struct PayoutMinimum {
    /// The minimum.
    pub amount: Decimal,
    /// Its currency (ISO 4217).
    pub currency: String,
    /// Which setting it comes from.
    pub source: super::enums::MinimumSource,
}

/// A file to download, its content in base64.
#[derive(SimpleObject)]
pub struct File {
    /// The name to save it under.
    pub filename: String,
    /// Its media type.
    pub content_type: String,
    /// The file's bytes, base64 (RFC 4648).
    pub content: String,
    /// The run's pending payouts not in the file, and why.
    pub left_out: Vec<LeftOutPayout>,
}

/// A payout a file leaves out, and why.
#[derive(SimpleObject)]
pub struct LeftOutPayout {
    /// The payout left out.
    pub payout: Payout,
    /// Why it does not fit the file.
    pub reason: String,
}

/// What a partner token reads for who made a change: the system's actors
/// (`maturity`, `tier:<id>`) and its own token's `sub` as written, anyone
/// else as `staff` — a partner learns a change was the tenant's, not who
/// at the tenant (a staff token's `sub` is often an e-mail). Staff read
/// every actor as written.
fn actor_as_seen<'a>(
    caller: Option<&revshare_core::auth::access::Policy>,
    actor: &'a str,
) -> &'a str {
    let system = actor == revshare_core::ledger::maturity::ACTOR || actor.starts_with("tier:");
    caller.map_or(actor, |policy| policy.actor_shown(actor, system))
}

/// A stage of the tenant's pipeline that a row refers to (it exists: the
/// row's foreign key says so).
async fn stage(ctx: &async_graphql::Context<'_>, id: &str) -> ApiResult<DealStage> {
    required(ctx, id, DealStageId, "deal stage").await
}

/// The object a reference names, through the request's loader, as the
/// caller sees it: an internal error when its row is gone (`what` names
/// the reference).
async fn required<K, O>(
    ctx: &async_graphql::Context<'_>,
    id: &str,
    key: impl FnOnce(String) -> K,
    what: &str,
) -> ApiResult<O>
where
    O: Seen,
    DirectoryLoader: Loader<K, Value = O::Row, Error = ApiError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    O::Row: Send + Sync + Clone + 'static,
{
    let row = crate::graphql::context::loader(ctx)?
        .load_one(key(id.to_owned()))
        .await?
        .ok_or_else(|| ApiError::internal(what, id))?;
    O::shown(ctx, row)
}

/// The object an optional reference names, through the request's loader:
/// `None` when there is no reference (or its row is gone, or is not for
/// the caller).
async fn related<K, O>(
    ctx: &async_graphql::Context<'_>,
    id: Option<&str>,
    key: impl FnOnce(String) -> K,
) -> ApiResult<Option<O>>
where
    O: Seen,
    DirectoryLoader: Loader<K, Value = O::Row, Error = ApiError>,
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    O::Row: Send + Sync + Clone + 'static,
{
    let Some(id) = id else {
        return Ok(None);
    };
    let row = crate::graphql::context::loader(ctx)?
        .load_one(key(id.to_owned()))
        .await?;
    let policy = crate::graphql::context::policy(ctx)?;
    Ok(row.and_then(|row| O::seen(policy, row)))
}

/// An object made of a row the caller sees: the only way to one
/// ([`Visible::new`], which decides what the caller reads of it).
pub trait Seen: Sized {
    type Row: Exposed;

    fn made(row: Visible<Self::Row>) -> Self;

    /// What the object was made of.
    fn visible(&self) -> &Visible<Self::Row>;

    /// `row` as the caller sees it; `None` when it is not for the caller
    /// (another partner's): absent, as an id naming nothing.
    fn seen(policy: &Policy, row: Self::Row) -> Option<Self> {
        Visible::new(policy, row).map(Self::made)
    }

    /// [`Seen::seen`] for the caller of `ctx` (none without a token).
    fn seen_in(ctx: &async_graphql::Context<'_>, row: Self::Row) -> Option<Self> {
        Self::seen(crate::graphql::context::caller(ctx)?, row)
    }

    /// [`Seen::seen`], when the caller reads the object itself: what a
    /// lookup by id answers (`None` reads as an id naming nothing).
    fn found(policy: &Policy, row: Self::Row) -> Option<Self> {
        Self::seen(policy, row).filter(|object| object.visible().readable())
    }

    /// [`Seen::seen`] of a row the path already showed is the caller's (a
    /// relation of an object it reads); refused all the same if not.
    fn shown(ctx: &async_graphql::Context<'_>, row: Self::Row) -> ApiResult<Self> {
        Self::seen(crate::graphql::context::policy(ctx)?, row)
            .ok_or_else(|| ApiError::Forbidden("partners see only their own data".into()))
    }

    /// [`Seen::seen`] as a function of the row, for a list's items.
    fn for_caller(policy: &Policy) -> impl Fn(Self::Row) -> Option<Self> + '_ {
        move |row| Self::seen(policy, row)
    }

    /// The rows of a list the caller sees, in order.
    fn all(policy: &Policy, rows: impl IntoIterator<Item = Self::Row>) -> Vec<Self> {
        rows.into_iter()
            .filter_map(|row| Self::seen(policy, row))
            .collect()
    }
}

macro_rules! seen {
    ($($object:ident => $row:ty),* $(,)?) => {$(
        impl Seen for $object {
            type Row = $row;

            fn made(row: Visible<$row>) -> Self {
                $object(row)
            }

            fn visible(&self) -> &Visible<$row> {
                &self.0
            }
        }
    )*};
}

seen!(
    Partner => Arc<partner::Model>,
    Category => category::Model,
    PartnerGroup => Arc<partner_group::Model>,
    Campaign => Arc<campaign::Model>,
    FraudFlag => entity::fraud_flag::Model,
    ReferralCode => entity::referral_code::Model,
    Tenant => revshare_core::auth::Tenant,
    Click => revshare_core::attribution::clicks::Clicked,
    Customer => entity::attribution::Model,
    UnattributedEvent => entity::unattributed_event::Model,
    PartnershipRequest => partnership_request::Model,
    PartnerCommission => partner_commission::Model,
    Commission => commission::Model,
    Event => event::Model,
    Payout => payout::Model,
    DomainEvent => domain_event::Model,
    WebhookEndpoint => webhook_endpoint::Model,
    DealStage => deal_stage::Model,
    CustomField => custom_field::Model,
    CustomFieldOption => custom_field_option::Model,
    Contact => contact::Model,
    CommissionPlan => commission_plan::Model,
    Deal => deal::Model,
    TieredCommission => tiered_commission::Model,
    PayoutRun => payout_run::Model,
    SkippedPartner => payout_run_skip::Model,
    WebhookDelivery => (webhook_delivery::Model, Option<String>),
    TaxForm1099 => revshare_core::tax::PayeeForm,
    TaxPayment => entity::tax_payment::Model,
);

impl Enrollment {
    /// An enrollment the caller sees, with the snapshot in force.
    pub fn with_snapshot(
        policy: &Policy,
        row: enrollment::Model,
        snapshot: Option<partner_commission::Model>,
    ) -> Option<Enrollment> {
        Self::seen(policy, row).map(|seen| Enrollment { snapshot, ..seen })
    }
}

impl CommissionTransition {
    /// A status change as the caller reads it: its actor as the policy
    /// shows actors ([`actor_as_seen`]).
    pub fn seen_by(policy: &Policy, mut row: commission_transition::Model) -> Self {
        row.actor = actor_as_seen(Some(policy), &row.actor).to_owned();
        CommissionTransition(row)
    }
}

impl Change {
    /// A change as the caller reads it: its actor as the policy shows
    /// actors ([`actor_as_seen`]).
    pub fn seen_by(policy: &Policy, mut row: change::Model) -> Self {
        row.actor = actor_as_seen(Some(policy), &row.actor).to_owned();
        Change(row)
    }
}

impl Seen for Enrollment {
    type Row = enrollment::Model;

    fn made(row: Visible<enrollment::Model>) -> Self {
        Enrollment {
            row,
            snapshot: None,
        }
    }

    fn visible(&self) -> &Visible<enrollment::Model> {
        &self.row
    }
}

impl Seen for PartnerApplication {
    type Row = entity::partner_application::Model;

    fn made(row: Visible<entity::partner_application::Model>) -> Self {
        PartnerApplication {
            row,
            applicant: false,
        }
    }

    fn visible(&self) -> &Visible<entity::partner_application::Model> {
        &self.row
    }
}
