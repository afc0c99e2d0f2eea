//! Every mutation within an activity scope (SPEC §34): the schema's
//! `Mutation` root is [`Mutations`] wrapped, so that each root field runs
//! within `revshare_core::activity::within` — its name as the action, the
//! caller as the actor, the request's id and IP — and every write
//! transaction it commits writes its entry. Only the root's fields are
//! wrapped: no other field pays for it.
//!
//! [`OBJECTS`] says what each mutation changes and which argument names
//! it; a mutation that creates its object has the service name the row
//! it wrote. Every mutation of the schema has its row (a test reads the
//! schema's `Mutation` fields and holds them to the table). An argument naming a partner (`partnerId`, `input.partnerId`)
//! makes the entry one that partner reads.

use super::MutationRoots;
use super::context::{Client, RequestId};
use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container_serial};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
};
use revshare_core::activity::{self, Actor, ActorKind, Scope};
use revshare_core::auth::access::Policy;
use revshare_core::auth::{Principal, Role};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

/// What a token may change: one transaction per mutation, all or
/// nothing, each recorded in the activity log.
#[derive(Default)]
pub struct Mutation(MutationRoots);

impl OutputType for Mutation {
    fn type_name() -> Cow<'static, str> {
        MutationRoots::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        MutationRoots::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_container_serial(ctx, self).await
    }
}

impl ContainerType for Mutation {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        // Boxed: the merged roots' future is deep, and this one holds it.
        let field: Pin<Box<dyn Future<Output = _> + Send + '_>> =
            Box::pin(self.0.resolve_field(ctx));
        activity::within(scope_of(ctx), field).await
    }
}

impl ObjectType for Mutation {}

/// Each mutation's object: its GraphQL type and the argument naming it
/// (empty: its service names it — the row it creates, or one its
/// arguments name by another key, as a customer by its external id).
pub const OBJECTS: &[(&str, &str, &str)] = &[
    ("createPartnerGroup", "PartnerGroup", ""),
    ("updatePartnerGroup", "PartnerGroup", "id"),
    ("deletePartnerGroup", "PartnerGroup", "id"),
    ("simulatePartnerGroupRules", "PartnerGroup", ""),
    ("simulatePartnerGroup", "PartnerGroup", "id"),
    ("createPartner", "Partner", ""),
    ("updatePartner", "Partner", "id"),
    ("createCategory", "Category", ""),
    ("createCampaign", "Campaign", ""),
    ("updateCampaign", "Campaign", "id"),
    ("archiveCampaign", "Campaign", "id"),
    ("applyToCampaign", "Campaign", "campaignId"),
    ("approvePartnershipRequest", "PartnershipRequest", "id"),
    ("rejectPartnershipRequest", "PartnershipRequest", "id"),
    ("invitePartner", "Campaign", "input.campaignId"),
    ("amendPartnerCommission", "Partner", "input.partnerId"),
    ("recordEvent", "Event", ""),
    ("recordEvents", "Event", ""),
    ("recordRefund", "Event", "input.eventId"),
    ("approveCommissions", "Commission", ""),
    ("reverseCommission", "Commission", "input.id"),
    ("createDealStage", "DealStage", ""),
    ("createCustomField", "CustomField", ""),
    ("createContact", "Contact", ""),
    ("createCommissionPlan", "CommissionPlan", ""),
    ("updateCommissionPlan", "CommissionPlan", "id"),
    ("archiveCommissionPlan", "CommissionPlan", "id"),
    ("simulateCommissionPlan", "CommissionPlan", "planId"),
    ("createDeal", "Deal", ""),
    ("moveDeal", "Deal", "input.dealId"),
    ("recordDealPayment", "Deal", "input.dealId"),
    ("recordDealEvents", "Deal", ""),
    ("amendDealTerms", "Deal", "input.dealId"),
    ("assignCommissionRecipient", "Commission", "commissionId"),
    ("registerDeal", "Deal", ""),
    ("approveDealRegistration", "Deal", "id"),
    ("rejectDealRegistration", "Deal", "id"),
    ("updateDeal", "Deal", "id"),
    ("closeDealLost", "Deal", "id"),
    ("reopenDeal", "Deal", "id"),
    ("updateDealStage", "DealStage", "id"),
    ("archiveDealStage", "DealStage", "id"),
    ("updateCustomField", "CustomField", "id"),
    ("updateContact", "Contact", "id"),
    ("archiveContact", "Contact", "id"),
    ("updateTenant", "Tenant", ""),
    ("verifyLinkDomain", "LinkDomain", "host"),
    ("createTieredCommission", "TieredCommission", ""),
    ("updateTieredCommission", "TieredCommission", "id"),
    ("createWebhookEndpoint", "WebhookEndpoint", ""),
    ("updateWebhookEndpoint", "WebhookEndpoint", "id"),
    ("deleteWebhookEndpoint", "WebhookEndpoint", "id"),
    ("rotateWebhookSecret", "WebhookEndpoint", "id"),
    ("replayWebhookDeliveries", "WebhookEndpoint", "endpointId"),
    ("createReferralCode", "ReferralCode", ""),
    ("archiveReferralCode", "ReferralCode", "id"),
    ("reassignCustomer", "Customer", ""),
    ("recordClick", "Click", ""),
    ("attributeCustomer", "Customer", ""),
    (
        "configureBillingConnector",
        "BillingConnector",
        "input.provider",
    ),
    ("retryConnectorEvent", "BillingConnectorEvent", "id"),
    ("setPayoutMethod", "Partner", "input.partnerId"),
    ("submitTaxProfile", "Partner", "input.partnerId"),
    ("decideTaxProfile", "Partner", "input.partnerId"),
    ("createPayoutRun", "PayoutRun", ""),
    ("markPayoutPaid", "Payout", "id"),
    ("withdrawPayoutRunFile", "PayoutRun", "input.runId"),
    ("markPayoutFailed", "Payout", "id"),
    ("markCommissionsPaid", "Payout", ""),
    ("createPartnerPortalLink", "Partner", "partnerId"),
    ("createPartnerEmbedToken", "Partner", "partnerId"),
    ("redeemPortalLink", "Partner", ""),
    ("renewPortalSession", "Partner", ""),
    ("endPortalSession", "Partner", ""),
    ("createStaffSignInLink", "Tenant", ""),
    ("redeemStaffSignInLink", "Tenant", ""),
    ("renewStaffSession", "Tenant", ""),
    ("endStaffSession", "Tenant", ""),
    ("submitPartnerApplication", "PartnerApplication", ""),
    ("confirmPartnerApplication", "PartnerApplication", ""),
    ("decidePartnerApplication", "PartnerApplication", "input.id"),
    ("requestPortalSignIn", "Partner", ""),
    ("updateEmailPreferences", "Partner", "input.partnerId"),
    ("resolveFraudFlag", "FraudFlag", "input.id"),
    ("setFraudPolicy", "Tenant", ""),
    ("importExchangeRates", "Tenant", ""),
    ("startBacktest", "Backtest", ""),
    ("cancelBacktest", "Backtest", "id"),
    ("startImport", "Import", ""),
    ("cancelImport", "Import", "id"),
    ("configurePayoutRail", "PayoutRailConfig", "input.rail"),
    ("sendPayouts", "PayoutRun", "input.runId"),
    ("createConnectOnboardingLink", "Partner", "partnerId"),
    ("addTaxPayment", "Partner", "input.partnerId"),
    ("issueTaxForms", "TaxYear", "year"),
    ("setPartnerVat", "Partner", "input.partnerId"),
    ("setPartnerLanguage", "Partner", "input.partnerId"),
    ("acceptSelfBillingAgreement", "Partner", ""),
    ("declineSelfBilling", "Partner", ""),
    ("uploadPartnerInvoice", "Payout", "input.payoutId"),
    ("objectToInvoice", "Invoice", "id"),
    ("createPartnerLink", "PartnerLink", ""),
    ("updatePartnerLink", "PartnerLink", "input.id"),
    ("archivePartnerLink", "PartnerLink", "id"),
    ("setReferrer", "Partner", "input.partnerId"),
    ("createBounty", "Bounty", ""),
    ("updateBounty", "Bounty", "id"),
    ("endBounty", "Bounty", "id"),
    ("submitBounty", "Bounty", "input.bountyId"),
    ("decideBountySubmission", "BountySubmission", "input.id"),
    ("createRetainer", "Retainer", ""),
    ("setPartnerTrusted", "Partner", "input.partnerId"),
    ("pauseRetainer", "Retainer", "id"),
    ("resumeRetainer", "Retainer", "id"),
    ("endRetainer", "Retainer", "id"),
    ("createAnnouncement", "Announcement", ""),
    ("updateAnnouncement", "Announcement", "id"),
    ("deleteAnnouncement", "Announcement", "id"),
    ("dismissAnnouncement", "Announcement", "id"),
    ("createResource", "Resource", ""),
    ("updateResource", "Resource", "id"),
    ("deleteResource", "Resource", "id"),
    ("sendMessage", "Message", ""),
    ("markMessagesRead", "Partner", "input.partnerId"),
    ("createBroadcast", "Broadcast", ""),
    ("cancelBroadcast", "Broadcast", "id"),
    ("createWorkflow", "Workflow", ""),
    ("setWorkflowEnabled", "Workflow", "id"),
];

/// Mutations whose services say field by field what they change (as the
/// object's history keeps it, from a row of another table, or comparing
/// the rows they hold before and after): no row is read to compare.
const DESCRIBED: &[&str] = &[
    "updateCampaign",
    "updatePartnerGroup",
    "updateCommissionPlan",
    "archiveCommissionPlan",
    "updateTieredCommission",
    "updatePartner",
    "setPayoutMethod",
    "submitTaxProfile",
    "setPartnerVat",
    "setPartnerLanguage",
    "updateDeal",
    "registerDeal",
    "approveDealRegistration",
    "rejectDealRegistration",
    "reassignCustomer",
    "createStaffSignInLink",
    "markMessagesRead",
    "cancelBroadcast",
    "setWorkflowEnabled",
    "configurePayoutRail",
    "recordRefund",
    "acceptSelfBillingAgreement",
    "declineSelfBilling",
    "objectToInvoice",
];

/// The anonymous forms, each with the argument naming the tenant it is
/// for (empty: found by the code it carries). A form is the act of the
/// tenant it names: a token sent with it names the actor only when it is
/// that tenant's, and never writes the form into its own tenant's log.
const FORMS: &[(&str, &str)] = &[
    ("submitPartnerApplication", "input.tenantId"),
    ("requestPortalSignIn", "tenantId"),
    ("confirmPartnerApplication", ""),
];

/// Arguments naming the partner an act is about.
const PARTNER_ARGUMENTS: &[&str] = &["partnerId", "input.partnerId"];

/// Arguments carrying the reason an actor gave.
const REASON_ARGUMENTS: &[&str] = &["reason", "input.reason", "input.note"];

/// The actor a principal is.
pub fn actor_of(principal: &Principal) -> Actor {
    match (principal.role, &principal.partner_id) {
        // Its name is read as the entry is written.
        (Role::Partner, Some(partner)) => Actor::new(ActorKind::Partner, partner, ""),
        (Role::Service, _) => Actor::new(ActorKind::ApiKey, &principal.subject, &principal.subject),
        _ => Actor::new(ActorKind::Staff, &principal.subject, &principal.subject),
    }
}

/// The scope of the root field `ctx` resolves.
fn scope_of(ctx: &Context<'_>) -> Scope {
    let field = &ctx.item.node;
    let action = field.name.node.as_str();
    let request_id = ctx.data_opt::<RequestId>().and_then(|id| id.0.clone());
    let ip = ctx
        .data_opt::<Client>()
        .and_then(|client| client.0)
        .map(|ip| ip.to_string());
    let mut scope = Scope::new(action).from(request_id, ip);
    scope = if DESCRIBED.contains(&action) {
        scope.described()
    } else {
        scope.compared(revshare_core::nodes::table_named)
    };
    let principal = super::context::policy(ctx).ok().map(Policy::principal);
    let principal = match FORMS.iter().find(|(name, _)| *name == action) {
        Some((_, path)) => principal
            .filter(|p| !path.is_empty() && argument(ctx, path).as_deref() == Some(p.tenant_id())),
        None => principal,
    };
    if let Some(principal) = principal {
        scope = scope.by(principal.tenant_id(), actor_of(principal));
    }
    if let Some((_, kind, path)) = OBJECTS.iter().find(|(name, ..)| *name == action) {
        let own = principal.and_then(|p| p.partner_id.clone());
        let id = match (*kind, *path) {
            ("Tenant", "") => principal.map(|p| p.tenant_id().to_owned()),
            (_, "") => None,
            (_, path) => argument(ctx, path),
        };
        // A partner's act on its own record names no partner: itself.
        let id = match *kind {
            "Partner" => id.or(own),
            _ => id,
        };
        if let Some(id) = id {
            scope = scope.on(kind, &id);
        }
    }
    if let Some(partner) = PARTNER_ARGUMENTS
        .iter()
        .find_map(|path| argument(ctx, path))
    {
        scope = scope.about(&partner);
    }
    // As the services keep a reason: trimmed, and none when blank.
    if let Some(reason) = REASON_ARGUMENTS
        .iter()
        .find_map(|path| argument(ctx, path))
        .filter(|reason| !reason.trim().is_empty())
    {
        scope = scope.because(reason.trim());
    }
    scope
}

/// The text at `path` (`id`, `input.partnerId`) of the field's arguments,
/// variables resolved; none when absent or not a string (or number).
fn argument(ctx: &Context<'_>, path: &str) -> Option<String> {
    let mut names = path.split('.');
    let first = ctx.item.node.get_argument(names.next()?)?;
    let variables = &ctx.query_env.variables;
    let mut value = first
        .node
        .clone()
        .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
        .ok()?;
    for name in names {
        value = match value {
            Value::Object(mut fields) => fields.swap_remove(name)?,
            _ => return None,
        };
    }
    match value {
        Value::String(text) => Some(text),
        Value::Enum(name) => Some(name.to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}
