//! What the area modules share beside `helpers`: waiting on a condition
//! (never on the clock alone), the waits of the background work a test
//! starts (an import to its end), the records the areas set up alike
//! (partners, campaigns, sales, deals, payout runs), and the local servers
//! that stand in for the world outside (PayPal, Stripe, Wise, import sources, a
//! webhook receiver, SMTP, DNS). An area module imports from here and
//! from `helpers`, not from another area module.

pub mod backtests;
pub mod browser;
pub mod campaigns;
pub mod conditions;
pub mod connectors;
pub mod contract;
pub mod deals;
pub mod dns;
pub mod events;
pub mod files;
pub mod guides;
pub mod http;
pub mod imports;
pub mod ledger;
pub mod links;
pub mod metrics;
pub mod partners;
pub mod payouts;
pub mod paypal;
pub mod portal;
pub mod rails;
pub mod rates;
pub mod receiver;
pub mod sales;
pub mod schema;
pub mod smtp;
pub mod sources;
pub mod staff;
pub mod stripe;
pub mod switching;
pub mod tools;
pub mod wait;
pub mod wise;
pub mod ws;
