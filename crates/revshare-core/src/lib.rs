//! revshare-core: every service of revshare below its surface — storage,
//! jobs, the ledger and each capability — with SeaORM and tokio, and no
//! GraphQL or HTTP server (those are `revshare-api`'s).
//!
//! A tour, from the core outwards (ARCHITECTURE.md has the map and the
//! rules each layer keeps):
//!
//! - [`engine`]: pure commission arithmetic — money and the one rounding,
//!   group rules, deal plans, tiers. No I/O.
//! - [`failure`], [`error`]: what a database error means; the API's error
//!   and its codes.
//! - [`input`], [`paging`], [`history`], [`activity`], [`mailbox`],
//!   [`languages`]: bounded inputs and ids; keyset pages; change histories
//!   of deals and partners; the activity log's entries, written as changes
//!   commit; an e-mail address as the mailbox it reaches (look-alikes
//!   one); the languages revshare writes in and what a partner's reads as.
//! - [`observe`]: metrics, transaction tallies, traces.
//! - [`db`]: connections, write transactions, retries, deadlines.
//! - [`jobs`]: background work in one place — every job and the setting
//!   that turns it on, the stop each hears, leases, queues' claims.
//! - [`auth`]: JWT verification and minting, the [`auth::Principal`] a
//!   request acts as, scopes, and the table of who finds and reads each
//!   kind of object.
//! - [`sign_in`], [`staff`], [`portal`]: one-time links and sessions —
//!   what the console's and the portal's sign-ins share, the brand's staff
//!   in the console, partners in the portal and its embed tokens.
//! - [`events`]: the domain-event outbox, read from a cursor by
//!   subscriptions and webhooks, and its wake-ups.
//! - [`posting`]: every commission row, status move and balance, and the
//!   lock order.
//! - [`directory`], [`campaigns`], [`tenants`]: groups, partners and
//!   categories; campaigns, enrollment and snapshots; provisioning.
//! - [`messages`]: talking to partners — one thread each, unread counts,
//!   e-mail by preference, broadcasts to an audience.
//! - [`tiers`]: tiered commissions and the tier book applied at accrual.
//! - [`engagement`]: partners who bring partners, spend caps and bounties — who
//!   recruited whom, referral rules and the rewards they write beside a
//!   recruit's commissions, caps and the cut at accrual — and workflows
//!   that act on a partner approved or reaching a metric.
//! - [`fx`]: a tenant's exchange rates, as imported.
//! - [`ledger`]: the event path, accrual of sales and leads, refunds,
//!   approvals, reversals, maturity.
//! - [`retainers`]: fixed amounts on a cadence to a partner or a group,
//!   each period written once as it falls due.
//! - [`fraud`]: the signals a sale or a customer raises, the policy for
//!   each, and the flags that hold commissions for review.
//! - [`attribution`]: referral codes, clicks, customers tied to their
//!   partner, and the sales held until they are.
//! - [`links`]: partner links — short links on the tenant's own domains,
//!   QR codes, clicks recorded in batches after the redirect, and their
//!   stats from daily rollups.
//! - [`deals`]: pipelines, contacts, commission plans, deals and their
//!   events.
//! - [`payouts`]: payout methods, minimums, runs, statements, payment
//!   files, tax profiles and the payments a 1099 counts.
//! - [`tax`]: year-end 1099-NEC forms — a year's payees, issuing and
//!   corrections, Copy B, the IRIS CSV, W-8 expiry notices.
//! - [`rails`]: paying partners by API — PayPal Payouts and Stripe
//!   Connect — exactly once.
//! - [`mail`]: the e-mail outbox, what each kind says, partners'
//!   preferences, digests and the SMTP sender.
//! - [`applications`]: strangers who apply to a program, their
//!   confirmation and the staff's decision.
//! - [`backtests`]: a change of terms replayed on the events recorded,
//!   before and after, nothing written to the ledger.
//! - [`nodes`]: what an id names, for Relay's `node(id:)`.
//! - [`ingest`]: the queues that batch single events for the event path.
//! - [`connectors`]: billing providers' webhooks (Stripe, Paddle) turned into
//!   attributions, sales and refunds.
//! - [`webhooks`]: endpoints and the dispatcher.
//! - [`imports`]: a program brought over from Rewardful, FirstPromoter,
//!   PartnerStack, Tolt, Tapfiliate or CSV files, in the background.
//! - [`audit`]: the activity log read — filters, pages, its exports — and
//!   trimmed by whole days.
//! - [`reads`]: what the surface reads — its loaders' batches, a list's
//!   page and count, the pages of a parent's children — so that the
//!   surface's crate names no database.
//!
//! `entity/` and `migration/` are the storage crates; `revshare-api` is the
//! surface standing on this crate, and `revshare` the binary that wires both.

pub mod activity;
pub mod applications;
pub mod attribution;
pub mod audit;
pub mod auth;
pub mod backtests;
pub mod campaigns;
pub mod connectors;
pub mod db;
pub mod deals;
pub mod directory;
pub mod engagement;
pub use revshare_engine as engine;
pub mod error;
pub mod events;
pub mod failure;
pub mod fraud;
pub mod fx;
pub mod history;
pub mod imports;
pub mod ingest;
pub mod input;
pub mod jobs;
pub mod languages;
pub mod ledger;
pub mod links;
pub mod mail;
pub mod mailbox;
pub mod messages;
pub mod nodes;
pub mod observe;
pub mod paging;
pub mod payouts;
pub mod portal;
pub mod posting;
pub mod rails;
pub mod reads;
pub mod retainers;
pub mod sign_in;
pub mod staff;
pub mod tax;
pub mod tenants;
pub mod tiers;
pub mod webhooks;
