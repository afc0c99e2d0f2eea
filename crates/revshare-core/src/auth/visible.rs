//! [`Visible<T>`]: a row as one caller sees it, decided once, when the
//! object is made.
//!
//! The only way to an exposed GraphQL object is [`Visible::new`]: it asks
//! the table in [`super::access`] which columns of the row's kind the
//! caller reads — for a partner token, whether the row is its own (or
//! shared with every partner, or the tenant's staff's alone); for staff,
//! which of each column's scopes it holds — and keeps the answer beside
//! the row, which stays private. A partner's `new` of a row it may not see
//! is `None`: the object is absent, exactly as an id naming nothing. A
//! field then reads its column ([`Visible::read`]): the row, or the
//! refusal decided at construction, never a check of its own.

use super::Scope;
use super::access::{Column, Kind, Policy, Rule, rules};
use crate::error::{ApiError, ApiResult};
use std::sync::Arc;

/// A row of a kind the API exposes: what the table needs of it.
pub trait Exposed {
    /// Its kind, the table's row for it.
    const KIND: Kind;
    /// The partner whose row it is; `None`: no partner's (the tenant's own,
    /// or a row every partner shares — the table's rule for the kind says
    /// which).
    fn partner(&self) -> Option<&str>;
    /// The scope reading this row, for kinds whose rule says each row names
    /// its own (a domain event: the scope of its subject).
    fn scope(&self) -> Option<Scope> {
        None
    }
    /// The deal a ledger row belongs to: what `deals:read` finds it by.
    fn deal(&self) -> Option<&str> {
        None
    }
    /// Whether the row is a draft its partner has not submitted: its
    /// partner's alone.
    fn draft(&self) -> bool {
        false
    }
}

impl<T: Exposed> Exposed for Arc<T> {
    const KIND: Kind = T::KIND;

    fn partner(&self) -> Option<&str> {
        (**self).partner()
    }

    fn scope(&self) -> Option<Scope> {
        (**self).scope()
    }

    fn deal(&self) -> Option<&str> {
        (**self).deal()
    }

    fn draft(&self) -> bool {
        (**self).draft()
    }
}

/// A row and which of its kind's columns the caller reads.
#[derive(Debug, Clone)]
pub struct Visible<T> {
    row: T,
    /// Bit `i`: the caller reads the kind's `i`th column.
    allowed: u32,
    /// Whether the caller is a partner (its refusals say so).
    partner: bool,
    /// Whether the caller finds the row by id: it reads the object itself,
    /// and the table's finding admits the row ([`Policy::finds_row`]).
    found: bool,
}

impl<T: Exposed> Visible<T> {
    /// `row` as `policy`'s caller sees it: `None` for a partner token when
    /// the row is not for it (another partner's, the tenant's own). Staff
    /// always get the object; each column they lack a scope for refuses
    /// the fields that read it, naming the scopes — but a draft, which is
    /// its partner's alone and to them an id naming nothing.
    pub fn new(policy: &Policy, row: T) -> Option<Visible<T>> {
        let rules = rules(T::KIND);
        let (partner_of, scope, draft) = (row.partner(), row.scope(), row.draft());
        let allowed = rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| policy.reads_row(rule, partner_of, scope, draft))
            .fold(0, |bits, (i, _)| bits | (1 << i));
        let partner = policy.principal().own_partner().is_some();
        if allowed & 1 == 0 && (partner || draft) {
            return None;
        }
        let found = allowed & 1 != 0 && policy.finds_row(T::KIND, row.deal());
        Some(Visible {
            row,
            allowed,
            partner,
            found,
        })
    }

    /// The row, for a field that reads `column`; `FORBIDDEN` as decided
    /// when the object was made.
    pub fn read(&self, column: Column) -> ApiResult<&T> {
        let rules = rules(T::KIND);
        match rules.iter().position(|rule| rule.column == column) {
            Some(i) if self.allowed & (1 << i) != 0 => Ok(&self.row),
            Some(i) => Err(self.refusal(&rules[i])),
            None => Err(ApiError::internal(
                "visibility",
                format!("{:?} has no column {column:?}", T::KIND),
            )),
        }
    }

    /// Whether the caller reads the object itself (its kind's first
    /// column) and finds it by id: what a lookup by id shows it for.
    pub fn readable(&self) -> bool {
        self.found
    }

    /// Whether the caller reads `column` (a mask: the partner's IBAN whole,
    /// a customer's address unmasked).
    pub fn reads(&self, column: Column) -> bool {
        self.read(column).is_ok()
    }

    /// The row, for the one field whoever reached the object reads: its
    /// `id` (the architecture test holds `key` to `id` fields).
    pub fn key(&self) -> &T {
        &self.row
    }

    fn refusal(&self, rule: &Rule) -> ApiError {
        match self.partner {
            true => ApiError::Forbidden("partners see only their own data".into()),
            false => super::access::requires(&rule.staff_scopes(self.row.scope())),
        }
    }
}

impl Visible<entity::partner_application::Model> {
    /// An application as its applicant reads it, through the confirmation
    /// link's answer (no token): its own fields, none of the staff's.
    pub fn to_applicant(row: entity::partner_application::Model) -> Self {
        Visible {
            row,
            allowed: 1,
            partner: true,
            found: true,
        }
    }
}

/// Whose each stored row is, for the table.
mod rows {
    use super::{Exposed, Kind};
    use entity::*;

    macro_rules! exposed {
        ($($model:ty => $kind:ident, |$row:ident| $partner:expr;)*) => {$(
            impl Exposed for $model {
                const KIND: Kind = Kind::$kind;

                fn partner(&self) -> Option<&str> {
                    let $row = self;
                    $partner
                }
            }
        )*};
    }

    exposed! {
        partner::Model => Partner, |row| Some(&row.id);
        category::Model => Category, |_row| None;
        partner_group::Model => PartnerGroup, |_row| None;
        campaign::Model => Campaign, |_row| None;
        partnership_request::Model => PartnershipRequest, |row| Some(&row.partner_id);
        enrollment::Model => Enrollment, |row| Some(&row.partner_id);
        partner_commission::Model => PartnerCommission, |row| Some(&row.partner_id);
        referral_code::Model => ReferralCode, |row| Some(&row.partner_id);
        partner_link::Model => PartnerLink, |row| Some(&row.partner_id);
        bounty::Model => Bounty, |_row| None;
        retainer::Model => Retainer, |row| row.partner_id.as_deref();
        announcement::Model => Announcement, |_row| None;
        resource::Model => Resource, |_row| None;
        message::Model => Message, |row| Some(&row.partner_id);
        broadcast::Model => Broadcast, |_row| None;
        workflow::Model => Workflow, |_row| None;
        attribution::Model => Customer, |row| Some(&row.partner_id);
        unattributed_event::Model => UnattributedEvent, |_row| None;
        deal_stage::Model => DealStage, |_row| None;
        custom_field::Model => CustomField, |_row| None;
        custom_field_option::Model => CustomFieldOption, |_row| None;
        contact::Model => Contact, |row| row.partner_id.as_deref();
        deal::Model => Deal, |row| Some(&row.partner_id);
        payout::Model => Payout, |row| (!row.staff_payee).then_some(row.partner_id.as_str());
        // A payout's self-billed documents: read as the payout is.
        invoice::Model => Payout, |row| Some(&row.partner_id);
        payout_run::Model => PayoutRun, |_row| None;
        payout_run_skip::Model => SkippedPartner, |_row| None;
        commission_plan::Model => CommissionPlan, |_row| None;
        tiered_commission::Model => TieredCommission, |_row| None;
        fraud_flag::Model => FraudFlag, |_row| None;
        partner_application::Model => PartnerApplication, |_row| None;
        webhook_endpoint::Model => WebhookEndpoint, |row| row.partner_id.as_deref();
        import::Model => Import, |_row| None;
        backtest::Model => Backtest, |_row| None;
        email::Model => Email, |row| row.partner_id.as_deref();
        tax_profile::Model => TaxProfile, |row| Some(&row.partner_id);
        // A partner's VAT details and its answer to the self-billing
        // agreement: read as its tax profile is.
        partner_vat::Model => TaxProfile, |row| Some(&row.partner_id);
        self_billing_acceptance::Model => TaxProfile, |row| Some(&row.partner_id);
        tax_payment::Model => TaxPayment, |row| Some(&row.partner_id);
        payout_rail::Model => PayoutRail, |_row| None;
    }

    /// A ledger row, of its deal when it has one. A staff payee's row is
    /// the tenant's expense, no partner's money.
    impl Exposed for commission::Model {
        const KIND: Kind = Kind::Commission;

        fn partner(&self) -> Option<&str> {
            (!self.staff_payee).then_some(self.partner_id.as_str())
        }

        fn deal(&self) -> Option<&str> {
            self.deal_id.as_deref()
        }
    }

    /// A recorded event, of its deal when it has one.
    impl Exposed for event::Model {
        const KIND: Kind = Kind::Event;

        fn partner(&self) -> Option<&str> {
            Some(&self.partner_id)
        }

        fn deal(&self) -> Option<&str> {
            self.deal_id.as_deref()
        }
    }

    /// An activity entry, read by the partner it is about.
    impl Exposed for entity::activity::Model {
        const KIND: Kind = Kind::ActivityEntry;

        fn partner(&self) -> Option<&str> {
            self.partner_id.as_deref()
        }
    }

    /// A bounty submission, its partner's alone while a draft.
    impl Exposed for bounty_submission::Model {
        const KIND: Kind = Kind::BountySubmission;

        fn partner(&self) -> Option<&str> {
            Some(&self.partner_id)
        }

        fn draft(&self) -> bool {
            self.status == entity::enums::BountySubmissionStatus::Draft
        }
    }

    /// A stored event: read by the holders of the scope the table names
    /// for its type, and by the partner it concerns.
    impl Exposed for domain_event::Model {
        const KIND: Kind = Kind::DomainEvent;

        fn partner(&self) -> Option<&str> {
            self.partner_id.as_deref()
        }

        fn scope(&self) -> Option<crate::auth::Scope> {
            Some(crate::auth::access::event_scope(self.kind))
        }
    }

    /// The caller's tenant, every partner's program.
    impl Exposed for crate::auth::Tenant {
        const KIND: Kind = Kind::Tenant;

        fn partner(&self) -> Option<&str> {
            None
        }
    }

    /// A delivery, with its endpoint's partner (none: the tenant's).
    impl Exposed for (webhook_delivery::Model, Option<String>) {
        const KIND: Kind = Kind::WebhookDelivery;

        fn partner(&self) -> Option<&str> {
            self.1.as_deref()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Principal, Role};

    fn policy(role: Role, partner: Option<&str>, scopes: &[Scope]) -> Policy {
        Policy::new(Principal::for_tests(role, partner, scopes))
    }

    fn customer(partner: &str) -> entity::attribution::Model {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        entity::attribution::Model {
            id: "c1".into(),
            tenant_id: "t".into(),
            customer_external_id: "cus_1".into(),
            partner_id: partner.into(),
            campaign_id: "k".into(),
            referral_code_id: None,
            click_id: None,
            source: entity::enums::AttributionSource::Manual,
            email: Some("jo@example.com".into()),
            attributed_at: at,
            created_at: at,
        }
    }

    #[test]
    fn a_partner_gets_its_own_row_and_nothing_of_anothers() {
        let jane = policy(Role::Partner, Some("jane"), &[]);
        assert!(Visible::new(&jane, customer("bob")).is_none());
        let own = Visible::new(&jane, customer("jane")).expect("its own customer");
        assert!(own.readable());
        assert!(own.read(Column::Row).is_ok());
        assert!(own.reads(Column::Email));
        assert!(!own.reads(Column::EmailWhole), "a partner reads it masked");
        assert_eq!(
            own.read(Column::History).err(),
            Some(ApiError::Forbidden(
                "partners see only their own data".into()
            ))
        );
    }

    #[test]
    fn staff_get_the_object_and_each_column_names_its_scopes() {
        let sender = policy(Role::Service, None, &[Scope::EventsWrite]);
        let seen = Visible::new(&sender, customer("bob")).expect("staff get it");
        assert!(seen.read(Column::Row).is_ok());
        assert_eq!(
            seen.read(Column::Email).err(),
            Some(ApiError::Forbidden(
                "requires one of the scopes commissions:read, partners:read".into()
            ))
        );
        let stranger = policy(Role::Service, None, &[Scope::WebhooksRead]);
        let seen = Visible::new(&stranger, customer("bob")).expect("staff get it");
        assert!(!seen.readable(), "a lookup by id shows it nothing");
        assert!(matches!(seen.read(Column::Tiers), Err(ApiError::Internal)));
        let admin = policy(Role::Admin, None, &[]);
        assert!(Visible::new(&admin, customer("bob")).is_some_and(|c| c.reads(Column::EmailWhole)));
    }
}
