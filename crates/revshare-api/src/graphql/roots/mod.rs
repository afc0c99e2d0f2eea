//! The schema's roots: per domain, the queries and mutations with their
//! input and payload types. Roots call services and return the object
//! types of [`super::objects`]; they import no object module and no root
//! imports another back.

pub mod activity;
pub mod announcements;
pub mod applications;
pub mod attribution;
pub mod backtests;
pub mod bounties;
pub mod campaigns;
pub mod connectors;
pub mod currencies;
pub mod deal_events;
pub mod deal_workflow;
pub mod deals;
pub mod engagement;
pub mod events;
pub mod federation;
pub mod fraud;
pub mod groups;
pub mod imports;
pub mod invoices;
pub mod ledger;
pub mod links;
pub mod mail;
pub mod messages;
pub mod node;
pub mod partners;
pub mod payouts;
pub mod portal;
pub mod rails;
pub mod reports;
pub mod resources;
pub mod retainers;
pub mod staff;
pub mod tax;
pub mod tenant;
pub mod tiers;
pub mod viewer;
pub mod webhooks;
