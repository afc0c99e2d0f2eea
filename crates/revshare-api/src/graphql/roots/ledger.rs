//! Recording events and refunds; approving, paying and reversing
//! commissions; reading the ledger.

use crate::graphql::batch;
use crate::graphql::connection::{
    ListConnection, TotalCount, item_fields, page_connection, selects,
};
use crate::graphql::context::{db, ingest, loader, page_args, policy, writer};
use crate::graphql::enums::{CommissionStatus, EventKind, ReversalReason};
use crate::graphql::loaders::{CampaignId, GroupId, PartnerId, prime};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Commission, Event, UnattributedEvent};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::futures_util::future::{BoxFuture, try_join};
use async_graphql::{Context, Enum, ID, InputObject, Json, Object, SimpleObject};
use entity::commission;
use revshare_core::auth::Scope;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::accrual::{self, NewConversion, PartnerRef, Recorded};
use revshare_core::ledger::refunds::{self, EventRef, NewRefund};
use revshare_core::ledger::{self, CommissionFilter, transitions};
use revshare_core::paging::{COMMISSION_LIMITS, Order, PageRequest};
use revshare_core::reads::lists;

/// A conversion or charge to record.
#[derive(InputObject)]
pub struct RecordEventInput {
    /// Your idempotency key, unique per tenant.
    pub external_id: String,
    /// The partner, by id …
    pub partner_id: Option<ID>,
    /// … or by its `externalId`. Neither: the partner `customerExternalId`
    /// is attributed to; a customer nobody attributed yet holds the event,
    /// unattributed, until someone does.
    pub partner_external_id: Option<String>,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// Required for a sale.
    pub customer_external_id: Option<String>,
    /// Omitted: the customer's first event.
    pub customer_acquired_at: Option<DateTime>,
    /// A sale (the default) or a lead.
    #[graphql(default)]
    pub kind: EventKind,
    /// The charge's amount, in the campaign's currency.
    pub amount: Decimal,
    /// Omitted: the campaign's currency; given, it must be the campaign's.
    pub currency: Option<String>,
    /// Omitted: when it is recorded.
    pub occurred_at: Option<DateTime>,
    /// The revenue it brought, for tier goals (omitted: none).
    pub revenue: Option<Decimal>,
    /// Anything to keep with it: a JSON value of at most 4 KiB.
    pub metadata: Option<Json<serde_json::Value>>,
    /// What was sold, line by line (at most 100; SPEC §32): their amounts
    /// sum exactly to `amount`. None: one line, the whole amount.
    pub lines: Option<Vec<crate::graphql::lines::EventLineInput>>,
    /// What the sale says of its customer (kept on it, newest wins).
    pub customer: Option<crate::graphql::lines::EventCustomerInput>,
}

impl RecordEventInput {
    fn into_new(self, prefix: &str) -> ApiResult<NewConversion> {
        let partner = match (self.partner_id, self.partner_external_id) {
            (Some(id), None) => Some(PartnerRef::Id(id.0)),
            (None, Some(external)) => Some(PartnerRef::ExternalId(external)),
            // The customer's partner (checked with the customer).
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_input(
                    format!("{prefix}.partnerId"),
                    "give at most one of partnerId and partnerExternalId",
                ));
            }
        };
        let field = |name: &str| format!("{prefix}.{name}");
        Ok(NewConversion {
            external_id: self.external_id,
            partner,
            campaign_id: self.campaign_id.map(|id| id.0),
            customer_external_id: self.customer_external_id,
            customer_acquired_at: self
                .customer_acquired_at
                .map(|t| t.value(&field("customerAcquiredAt")))
                .transpose()?,
            kind: self.kind.for_rules(&field("kind"))?,
            amount: self.amount.value(&field("amount"))?,
            currency: self.currency,
            occurred_at: self
                .occurred_at
                .map(|t| t.value(&field("occurredAt")))
                .transpose()?,
            revenue: self
                .revenue
                .map(|r| r.value(&field("revenue")))
                .transpose()?,
            metadata: self.metadata.map(|m| m.0),
            lines: crate::graphql::lines::sale_lines(prefix, self.lines)?,
            customer: self.customer.map(|c| c.facts()),
        })
    }
}

/// What recording an event did.
#[derive(SimpleObject)]
pub struct RecordEventPayload {
    /// The event; `null` when it is held (`heldReason` says why), or, with
    /// the error at its path, when the selection asks of it what the
    /// caller may not read.
    pub event: Option<Event>,
    /// The commissions it accrued (none when it earned nothing); `null`,
    /// with the error at its path, when the selection asks of them what the
    /// caller may not read — the event is recorded all the same.
    pub commissions: Option<Vec<Commission>>,
    /// The event had been recorded before with this payload: this is that result.
    pub duplicate: bool,
    /// It named only a customer nobody has attributed: held, earning
    /// nothing, and accrued once the customer is attributed inside its
    /// campaign's attribution window (`unattributedEvents` lists it).
    pub unattributed: bool,
    /// Why it is held, earning nothing for now (`unattributedEvents` lists
    /// it): `UNATTRIBUTED`, or `NO_EXCHANGE_RATE` — in another currency
    /// than its campaign's with no rate within 7 days before it yet,
    /// accrued when one is imported. Null when it was recorded.
    pub held_reason: Option<crate::graphql::objects::HeldReason>,
}

use revshare_core::auth::access::{Kind, Policy};

impl RecordEventPayload {
    /// What an event recorded, as the caller sees it.
    fn seen_by(policy: &Policy, recorded: Recorded) -> Self {
        let reason = recorded.held.as_ref().map(|held| held.reason);
        RecordEventPayload {
            unattributed: reason == Some(entity::enums::HeldReason::Unattributed),
            held_reason: reason.map(Into::into),
            event: recorded.event.and_then(Event::for_caller(policy)),
            commissions: Some(Commission::all(policy, recorded.commissions)),
            duplicate: recorded.duplicate,
        }
    }
}

/// One item of `recordEvents`: a payload or an error.
#[derive(SimpleObject)]
pub struct RecordEventResult {
    /// The item's `externalId`, as sent.
    pub external_id: String,
    /// What was recorded (none when the item was refused).
    pub payload: Option<RecordEventPayload>,
    /// Why the item was refused (none when it was recorded).
    pub error: Option<batch::ItemError>,
}

/// A refund of an event, full or partial.
#[derive(InputObject)]
pub struct RecordRefundInput {
    /// The event refunded, by id (or `eventExternalId`).
    pub event_id: Option<ID>,
    /// The event refunded, by its `externalId` (or `eventId`).
    pub event_external_id: Option<String>,
    /// Omitted: everything not refunded yet (of the named lines, when
    /// `lines` names some).
    pub amount: Option<Decimal>,
    /// The lines it comes off, by their `externalId`s, in proportion to
    /// what is left of each (SPEC §32); omitted: every line pro rata.
    pub lines: Option<Vec<String>>,
    /// Why (a refund by default).
    #[graphql(default_with = "ReversalReason::Refund")]
    pub reason: ReversalReason,
    /// Anything to keep with it.
    pub note: Option<String>,
}

/// What a refund did to the ledger.
#[derive(SimpleObject)]
pub struct RecordRefundPayload {
    /// The event refunded; `null` when it is held unattributed.
    pub event: Option<Event>,
    /// The event held unattributed it refunded (by `eventExternalId`): the
    /// refund is kept on it and refunded on the event it becomes when its
    /// customer is attributed.
    pub unattributed_event: Option<UnattributedEvent>,
    /// Every row reversed: a commission fully refunded while accrued, then
    /// the tier adjustments reversed with it.
    pub reversed: Vec<Commission>,
    /// Every negative row appended (partial refunds, commissions already
    /// approved or paid, and their adjustments').
    pub clawbacks: Vec<Commission>,
}

/// An accrued commission to take back.
#[derive(InputObject)]
pub struct ReverseCommissionInput {
    /// The commission's id.
    pub id: ID,
    /// Why.
    pub reason: ReversalReason,
    /// Anything to keep with it.
    pub note: Option<String>,
}

/// The order of a list of commissions.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum CommissionOrder {
    /// Oldest recorded first: the ledger as it was written (an import
    /// records a program's history in the order it reads it).
    #[default]
    Recorded,
    /// Earliest accrued first, whenever each was recorded.
    AccruedAt,
    /// Latest accrued first, as a console lists them.
    AccruedAtDesc,
}

impl CommissionOrder {
    fn order(self) -> Order<commission::Column> {
        use commission::Column::{AccruedAt, Id};
        match self {
            CommissionOrder::Recorded => Order::ById(Id),
            CommissionOrder::AccruedAt | CommissionOrder::AccruedAtDesc => Order::ByTime {
                time: AccruedAt,
                id: Id,
                newest_first: self == CommissionOrder::AccruedAtDesc,
            },
        }
    }
}

#[derive(Default)]
pub struct LedgerQuery;

#[Object]
impl LedgerQuery {
    /// A commission by id; null when there is none the caller may see.
    pub(crate) async fn commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission's id.")] id: ID,
    ) -> ApiResult<Option<Commission>> {
        let policy = policy(ctx)?;
        // Refused before any row is read; which rows it finds (`deals:read`
        // a deal's alone) is the table's, when the object is made.
        policy.looks_up(Kind::Commission)?;
        let Some(row) = ledger::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        Ok(Commission::found(policy, row))
    }

    /// The ledger, oldest recorded first unless `orderBy` says otherwise:
    /// across the tenant with `commissions:read`; a partner token sees only
    /// its own rows. `accruedTo` is exclusive.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, last, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only rows in this status.")] status: Option<CommissionStatus>,
        #[graphql(
            desc = "Only this partner's rows (a partner token: its own; another partner's is an empty page)."
        )]
        partner_id: Option<ID>,
        #[graphql(desc = "Only rows earned in this campaign.")] campaign_id: Option<ID>,
        #[graphql(desc = "Only rows accrued at or after this instant.")] accrued_from: Option<
            DateTime,
        >,
        #[graphql(desc = "Only rows accrued before this instant (exclusive).")] accrued_to: Option<
            DateTime,
        >,
        #[graphql(
            desc = "How many rows from the start, or after `after` (1 to 500, 100 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "How many items from the end, or before `before` (1 to 100).")]
        last: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.startCursor`): the page ends before it.")]
        before: Option<String>,
        #[graphql(
            desc = "The order of the rows (a cursor pages only the order it came from).",
            default
        )]
        order_by: CommissionOrder,
    ) -> ApiResult<ListConnection<Ready<Commission>>> {
        let policy = policy(ctx)?;
        let named = partner_id.as_ref().map(|p| p.as_str());
        let order = order_by.order();
        let args = page_args(first, after, last, before);
        let request = PageRequest::parse_in(args, COMMISSION_LIMITS, &order)?;
        let filter = CommissionFilter {
            status: status.map(Into::into),
            campaign_id: campaign_id.map(|c| c.0),
            accrued_from: accrued_from.map(|t| t.value("accruedFrom")).transpose()?,
            accrued_to: accrued_to.map(|t| t.value("accruedTo")).transpose()?,
            ..CommissionFilter::readable(policy, named)?
        };
        commission_page(ctx, policy.tenant_id(), &request, order, filter).await
    }
}

/// A page of the ledger `filter` selects: only the columns the selection
/// reads (unless a field needs whole rows), its relations loaded up front,
/// and its count from the ledger's kept totals where no date bounds it.
async fn commission_page(
    ctx: &Context<'_>,
    tenant_id: &str,
    request: &PageRequest,
    order: Order<commission::Column>,
    filter: CommissionFilter,
) -> ApiResult<ListConnection<Ready<Commission>>> {
    let select = ledger::list(tenant_id, &filter);
    let prime = prime_commission_relations(ctx)?;
    let conn = db(ctx)?.conn();
    let columns = Commission::columns(item_fields(ctx)).map(|mut columns| {
        // A timed list's cursors read each row's time.
        let time = commission::Column::AccruedAt;
        if matches!(order, Order::ByTime { .. })
            && !columns
                .iter()
                .any(|c| matches!(c, commission::Column::AccruedAt))
        {
            columns.push(time);
        }
        columns
    });
    let decode = ledger::columns::decode;
    let listed = lists::list_in(conn, request, select, order, columns.as_deref(), decode).await?;
    let policy = policy(ctx)?;
    let node = |row| Commission::seen(policy, row).map(Ready);
    let mut connection = page_connection(listed, node, prime).await?;
    if ledger::reports::counted_by_totals(&filter) {
        let (conn, tenant) = (conn.clone(), tenant_id.to_owned());
        connection.additional_fields = TotalCount::exact(move || {
            let (conn, tenant, filter) = (conn.clone(), tenant.clone(), filter.clone());
            async move {
                let count = ledger::reports::ledger_count(&conn, &tenant, &filter).await?;
                count.ok_or(ApiError::Internal)
            }
        });
    }
    Ok(connection)
}

#[derive(Default)]
pub struct LedgerMutation;

#[Object]
impl LedgerMutation {
    /// Records one conversion or charge and accrues its commission, exactly
    /// once per `externalId`.
    async fn record_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversion or charge.")] input: RecordEventInput,
    ) -> ApiResult<RecordEventPayload> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let item = accrual::Item::new("input", input.into_new("input")?);
        let recorded = ingest(ctx)?.record(principal.tenant_id(), item).await?;
        Ok(RecordEventPayload::seen_by(policy(ctx)?, recorded))
    }

    /// Records up to 1,000 events; each is answered on its own, and a bad
    /// item never blocks the others.
    async fn record_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The conversions or charges, each answered on its own (at most 1,000).")]
        input: Vec<RecordEventInput>,
    ) -> ApiResult<Vec<RecordEventResult>> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let (items, events) = batch::check(
            input,
            accrual::MAX_BATCH,
            |item| item.external_id.clone(),
            |item, prefix| {
                let event = item.into_new(&prefix)?;
                Ok(accrual::Item::new(prefix, event))
            },
        )?;
        let db = db(ctx)?;
        let parts = ledger::write_parallelism(db);
        let recorded = accrual::record_split(db, principal.tenant_id(), events, parts).await?;
        let policy = policy(ctx)?;
        let recorded = recorded
            .into_iter()
            .map(|r| r.map(|r| RecordEventPayload::seen_by(policy, r)))
            .collect();
        Ok(
            items.answer(recorded, |external_id, payload, error| RecordEventResult {
                external_id,
                payload,
                error,
            }),
        )
    }

    /// Records a full or partial refund of an event (see the README for its effect).
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The event refunded and how much.")] input: RecordRefundInput,
    ) -> ApiResult<RecordRefundPayload> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let event = match (input.event_id, input.event_external_id) {
            (Some(id), None) => EventRef::Id(id.0),
            (None, Some(external)) => EventRef::ExternalId(external),
            _ => {
                return Err(ApiError::bad_input(
                    "input.eventId",
                    "give exactly one of eventId and eventExternalId",
                ));
            }
        };
        let refund = NewRefund {
            event,
            amount: input.amount.map(|a| a.value("input.amount")).transpose()?,
            lines: input.lines,
            taken: None,
            reason: input.reason.into(),
            note: input.note,
        };
        let recorded = revshare_core::fraud::record_refund(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            refund,
        )
        .await?;
        Ok(match recorded {
            refunds::Recorded::Event(refunded) => {
                let refunded = *refunded;
                RecordRefundPayload {
                    event: Some(Event::shown(ctx, refunded.event)?),
                    unattributed_event: None,
                    reversed: Commission::all(policy(ctx)?, refunded.reversed),
                    clawbacks: Commission::all(policy(ctx)?, refunded.clawbacks),
                }
            }
            refunds::Recorded::Held(held) => RecordRefundPayload {
                event: None,
                unattributed_event: Some(UnattributedEvent::shown(ctx, *held)?),
                reversed: Vec::new(),
                clawbacks: Vec::new(),
            },
        })
    }

    /// `ACCRUED → APPROVED`, all or nothing.
    async fn approve_commissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commissions to approve (1 to 500), all `ACCRUED`.")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Commission>> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let approved = transitions::approve(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &crate::graphql::context::ids(ids),
        )
        .await?;
        Ok(Commission::all(policy(ctx)?, approved))
    }

    /// `ACCRUED → REVERSED`, with a reason.
    async fn reverse_commission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The commission and why it is reversed.")] input: ReverseCommissionInput,
    ) -> ApiResult<Commission> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let note = revshare_core::input::optional_text(
            "input.note",
            input.note.as_deref(),
            revshare_core::input::MAX_NOTE_CHARS,
        )?;
        let reversed = transitions::reverse(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.id,
            input.reason.into(),
            note,
        )
        .await?;
        Ok(Commission::shown(ctx, reversed)?)
    }
}

/// What a page of commissions will ask of its loaders, loaded before its
/// items resolve: their partners (and those partners' groups) and their
/// campaigns, each when the selection asks for it.
fn prime_commission_relations(
    ctx: &Context<'_>,
) -> ApiResult<impl FnOnce(&[commission::Model]) -> BoxFuture<'static, ApiResult<()>>> {
    let loader = loader(ctx)?;
    let (partners, groups) = (
        selects(ctx, &["partner"]),
        selects(ctx, &["partner", "group"]),
    );
    let campaigns = selects(ctx, &["campaign"]);
    Ok(move |rows: &[commission::Model]| {
        let partner_ids: Vec<PartnerId> = match partners {
            true => rows
                .iter()
                .map(|r| PartnerId(r.partner_id.clone()))
                .collect(),
            false => Vec::new(),
        };
        let campaign_ids: Vec<CampaignId> = match campaigns {
            true => rows
                .iter()
                .map(|r| CampaignId(r.campaign_id.clone()))
                .collect(),
            false => Vec::new(),
        };
        Box::pin(async move {
            let partners = async {
                let found = prime(&loader, partner_ids).await?;
                if groups {
                    prime(
                        &loader,
                        found.into_values().map(|p| GroupId(p.group_id.clone())),
                    )
                    .await?;
                }
                ApiResult::Ok(())
            };
            try_join(partners, prime(&loader, campaign_ids)).await?;
            Ok(())
        }) as BoxFuture<'static, ApiResult<()>>
    })
}
