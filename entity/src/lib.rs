//! SeaORM entities, one module per table. Rows only: no behaviour lives here.
//! Money columns end in `_minor` (integer minor units of `currency`); rules are
//! JSON with decimal strings; ids are ULID strings; every row has `tenant_id`.
//! Enumerated columns are typed with [`enums`], stored as their text.

pub mod attribution;
pub mod billing_connector;
pub mod campaign;
pub mod category;
pub mod change;
pub mod click;
pub mod commission;
pub mod commission_plan;
pub mod commission_plan_category;
pub mod commission_plan_group;
pub mod commission_plan_partner;
pub mod commission_stat;
pub mod commission_transition;
pub mod connector_event;
pub mod connector_link;
pub mod contact;
pub mod contact_balance;
pub mod custom_field;
pub mod custom_field_option;
pub mod customer;
pub mod deal;
pub mod deal_field_value;
pub mod deal_stage;
pub mod deal_stage_reached;
pub mod deal_term;
pub mod deal_term_version;
pub mod domain_event;
pub mod enrollment;
pub mod enums;
pub mod event;
pub mod ledger_total;
pub mod partner;
pub mod partner_balance;
pub mod partner_category;
pub mod partner_commission;
pub mod partner_group;
pub mod partner_total;
pub mod partnership_request;
pub mod payout;
pub mod referral_code;
pub mod refund;
pub mod tenant;
pub mod tier_progress;
pub mod tiered_commission;
pub mod tiered_commission_campaign;
pub mod tiered_commission_partner;
pub mod unattributed_event;
pub mod webhook_delivery;
pub mod webhook_endpoint;
