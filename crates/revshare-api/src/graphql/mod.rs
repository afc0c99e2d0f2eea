//! The GraphQL schema. Its layers, each importing only those below it:
//!
//! - [`roots`]: per domain, the queries and mutations with their inputs;
//!   thin — check the principal, call a service, map the result;
//! - [`objects`]: every object type, declared in one place, resolved in
//!   one module per domain; fields check the scopes guarding their data;
//! - [`rules`]: the rule vocabulary's inputs, outputs and simulation (a
//!   description's translations, beside a rule's and a campaign's: [`described`]);
//! - [`plans`]: the commission plans' inputs and their conversion to the
//!   engine's validated entries; [`tiers`]: the tiered commissions' input;
//! - [`context`]: the request's caller, loaders and database, and
//!   field-level authorization;
//! - [`ready`]: list items whose plain fields are answered in place, not
//!   as a future each;
//! - [`loaders`], [`connection`], [`enums`], [`scalars`], [`limits`]: the
//!   per-request DataLoaders, Relay connections, enum mirrors, scalars, and
//!   the limits checked before a request runs.
//!
//! Every resolver returns [`revshare_core::error::ApiResult`], so no error reaches a
//! client without a code. A test reads the `use` lines of these modules and
//! fails on any import cycle.

pub mod acting;
pub mod batch;
pub mod complexity;
pub mod conditions;
pub mod connection;
pub mod context;
pub mod described;
pub mod enums;
pub mod field_errors;
pub mod lines;
pub mod loaders;
pub mod objects;
pub mod order;
pub mod payouts;
pub mod plans;
pub mod ready;
pub mod roots;
pub mod rule_outputs;
pub mod rules;
pub mod scalars;
pub mod tax;
pub mod tiers;

pub use context::{LOADER_DELAY, RequestContext};

use async_graphql::{MergedObject, MergedSubscription, Schema};
use revshare_core::db::Db;

/// Deep enough for GraphiQL's introspection query (13 levels) and real
/// nesting; shallow enough to refuse a query built to exhaust the server.
pub const MAX_DEPTH: usize = 16;
/// A list field costs 10 plus its page size times what each item selects
/// (see [`connection::list_cost`]), so this is roughly the number of
/// objects one query may return: a page of 100 partners with their group and
/// categories costs 710, GraphiQL's introspection query about 150.
pub const MAX_COMPLEXITY: usize = 10_000;

/// What a token may read: each field checks the caller's scopes, and a partner
/// token reads only its own (another partner's object is null or an empty
/// page).
#[derive(MergedObject, Default)]
pub struct Query(QueryParts, MoreQueryParts);

/// The first half of [`Query`]'s roots: merged in two halves, a
/// resolver's future nests half as deep.
#[derive(MergedObject, Default)]
pub struct QueryParts(
    roots::viewer::ViewerQuery,
    roots::groups::GroupQuery,
    roots::partners::PartnerQuery,
    roots::campaigns::CampaignQuery,
    roots::ledger::LedgerQuery,
    roots::reports::ReportQuery,
    roots::deals::DealQuery,
    roots::tiers::TierQuery,
    roots::events::EventQuery,
    roots::webhooks::WebhookQuery,
    roots::attribution::AttributionQuery,
    roots::connectors::ConnectorQuery,
);

/// The second half of [`Query`]'s roots.
#[derive(MergedObject, Default)]
pub struct MoreQueryParts(
    roots::payouts::PayoutQuery,
    roots::applications::ApplicationQuery,
    roots::mail::MailQuery,
    roots::fraud::FraudQuery,
    roots::currencies::CurrencyQuery,
    roots::backtests::BacktestQuery,
    roots::imports::ImportQuery,
    roots::rails::RailQuery,
    roots::tax::TaxQuery,
    roots::invoices::InvoiceQuery,
    roots::bounties::BountyQuery,
    roots::retainers::RetainerQuery,
    roots::announcements::AnnouncementQuery,
    roots::resources::ResourceQuery,
    roots::messages::MessageQuery,
    roots::activity::ActivityQuery,
    roots::federation::FederationQuery,
    roots::node::NodeQuery,
);

/// What a token may change: one transaction per mutation, all or nothing; a bad
/// input is `BAD_USER_INPUT` naming its field. The schema's root is
/// [`acting::Mutation`], which runs each of these fields within its
/// activity scope (SPEC §34).
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoots(MutationParts, MoreMutationParts);

pub use acting::Mutation;

/// The first half of [`Mutation`]'s roots (as [`QueryParts`]).
#[derive(MergedObject, Default)]
pub struct MutationParts(
    roots::groups::GroupMutation,
    roots::partners::PartnerMutation,
    roots::campaigns::CampaignMutation,
    roots::ledger::LedgerMutation,
    roots::deals::DealMutation,
    roots::deal_workflow::DealWorkflowMutation,
    roots::tenant::TenantMutation,
    roots::tiers::TierMutation,
    roots::webhooks::WebhookMutation,
    roots::attribution::AttributionMutation,
    roots::connectors::ConnectorMutation,
    roots::payouts::PayoutMutation,
    roots::portal::PortalMutation,
);

/// The second half of [`Mutation`]'s roots.
#[derive(MergedObject, Default)]
pub struct MoreMutationParts(
    roots::staff::StaffMutation,
    roots::applications::ApplicationMutation,
    roots::mail::MailMutation,
    roots::fraud::FraudMutation,
    roots::currencies::CurrencyMutation,
    roots::backtests::BacktestMutation,
    roots::imports::ImportMutation,
    roots::rails::RailMutation,
    roots::tax::TaxMutation,
    roots::invoices::InvoiceMutation,
    roots::links::LinkMutation,
    roots::engagement::EngagementMutation,
    roots::bounties::BountyMutation,
    roots::retainers::RetainerMutation,
    roots::announcements::AnnouncementMutation,
    roots::resources::ResourceMutation,
    roots::messages::MessageMutation,
);

/// Domain events pushed as they happen, over `graphql-transport-ws`
/// (`/graphql/ws`).
#[derive(MergedSubscription, Default)]
pub struct Subscription(roots::events::EventSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// What the schema's resolvers share beyond the request: the database, the
/// event log's wake-ups, how webhooks are delivered.
pub struct Services {
    pub db: Db,
    pub notifier: revshare_core::events::notify::Notifier,
    pub webhooks: revshare_core::webhooks::Settings,
    /// Wakes this replica's webhook dispatcher.
    pub dispatcher: revshare_core::webhooks::dispatch::Poke,
    /// The event path: the queues in front of the workers that record single events.
    pub ingest: revshare_core::ingest::Ingest,
    /// What personal data (tax ids) is sealed with; none: tax profiles are off.
    pub data_key: Option<revshare_core::payouts::seal::DataKey>,
    /// The server's keys, which sign portal sessions' tokens.
    pub keys: revshare_core::auth::jwt::Keys,
    /// Where revshare is reached from outside, for the links it answers.
    pub public_url: roots::portal::PublicUrl,
    /// How e-mail is rendered and sent.
    pub mail: revshare_core::mail::Settings,
    /// The largest backtest answered at once.
    pub backtest_inline: revshare_core::backtests::Inline,
    /// Wakes this replica's backtests job.
    pub backtests: revshare_core::backtests::Wake,
    /// Wakes this replica's broadcasts job.
    pub broadcasts: revshare_core::messages::broadcasts::Wake,
    /// How imports reach their sources.
    pub imports: revshare_core::imports::Settings,
    /// How payouts reach their rails (SPEC §26).
    pub rails: revshare_core::rails::Settings,
    /// Wakes this replica's portal sign-in mailer.
    pub sign_ins: revshare_core::portal::SignIns,
    /// The short links' memory and click queue (SPEC §30).
    pub links: revshare_core::links::Links,
}

/// The schema with its limits, over `services` (none: to print it). No
/// extension is registered: one wrapping each field's resolution would not
/// see the fields [`ready`] answers in place.
pub fn schema(services: Option<Services>) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .enable_federation()
    // The values of `stats(by: IGNORED)`, named in the schema though a
    // stat's value is text.
    .register_output_type::<objects::IgnoredTrafficReason>()
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY);
    if let Some(services) = services {
        let db = services.db;
        if let Some(key) = services.data_key {
            builder = builder.data(key);
        }
        builder = builder
            .data(services.keys)
            .data(services.public_url)
            .data(services.mail)
            .data(services.backtest_inline)
            .data(services.backtests)
            .data(services.broadcasts)
            .data(services.imports)
            .data(services.rails)
            .data(services.sign_ins)
            .data(services.links);
        builder = builder
            .data(services.ingest)
            .data(services.notifier)
            .data(services.webhooks)
            .data(services.dispatcher)
            .data(db);
    }
    builder.finish()
}

/// The SDL that `revshare schema` prints and `schema.graphql` holds, with
/// `@specifiedBy` on the scalars that have a specification (code
/// generators map `DateTime` by it).
pub fn sdl() -> String {
    let options = async_graphql::SDLExportOptions::new().include_specified_by();
    schema(None).sdl_with_options(options)
}

/// The subgraph SDL a supergraph composes (SPEC §27): Federation 2, its
/// entities' `@key`s, as `_service { sdl }` answers it.
pub fn federation_sdl() -> String {
    let options = async_graphql::SDLExportOptions::new()
        .federation()
        .compose_directive();
    schema(None).sdl_with_options(options)
}
