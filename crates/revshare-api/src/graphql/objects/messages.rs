//! Messages, broadcasts and workflows (SPEC §35) as they are read.

use super::{Money, Partner, Seen};
use crate::graphql::connection::{Connection, ListConnection, TotalCount, list_connection};
use crate::graphql::context::{db, loader, page_args, policy};
use crate::graphql::enums::PartnerStatus;
use crate::graphql::loaders::{BroadcastId, ReadsOfBroadcast, TenantRow, WorkflowId, load_partner};
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::connection::Edge;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{broadcast, message, workflow, workflow_run};
use revshare_core::auth::access::{Column as C, Kind};
use revshare_core::auth::visible::Visible;
use revshare_core::engagement::workflows::{self as flows, Action, Trigger, run};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::messages::{self, broadcasts};
use revshare_core::paging::{DEFAULT_LIMITS, Order, PageRequest};
use revshare_core::reads::lists;

/// Who wrote a message.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::MessageSender")]
pub enum MessageSender {
    /// The program: its staff, a broadcast or a workflow.
    Staff,
    /// The partner.
    Partner,
}

/// Where a broadcast is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BroadcastStatus")]
pub enum BroadcastStatus {
    /// Waiting for its `sendAt`; it can be canceled.
    Scheduled,
    /// Being sent, a batch of recipients at a time: `delivered` counts
    /// the messages written so far.
    Sending,
    /// Sent: every recipient has it in its thread.
    Sent,
    /// Canceled before it was sent.
    Canceled,
    /// Not sent, to anyone: its stored audience could not be read when
    /// it was due (`failure` says so).
    Failed,
}

/// What a `metricReached` workflow counts, as a performance bounty's goal
/// does: of the partner's commissions in the workflow's currency within
/// its dates.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BountyMetric")]
pub enum WorkflowMetric {
    /// Sales that earned a commission, less those refunded in full.
    Sales,
    /// Those sales' amounts, less what was refunded.
    SaleAmount,
    /// The commissions earned, less their clawbacks.
    CommissionAmount,
    /// Distinct customers of the sales and leads that earned.
    Customers,
}

/// What a workflow's action does.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "revshare_core::engagement::workflows::run::ActionKind")]
pub enum WorkflowActionKind {
    /// Moves the partner to a group.
    MoveToGroup,
    /// Writes a message to the partner's thread.
    SendMessage,
    /// Adds a tag to the partner.
    AddTag,
    /// Pays the partner a `BONUS` commission.
    PayBonus,
}

/// A message of a partner's thread (SPEC §35): plain text, never HTML.
pub struct Message(pub Visible<message::Model>);

impl Seen for Message {
    type Row = message::Model;

    fn made(row: Visible<message::Model>) -> Self {
        Message(row)
    }

    fn visible(&self) -> &Visible<message::Model> {
        &self.0
    }
}

/// A message of a partner's thread (SPEC §35): plain text, never HTML.
#[Object]
impl Message {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Who wrote it.
    async fn from(&self) -> ApiResult<MessageSender> {
        Ok(self.0.read(C::Row)?.sender.into())
    }

    /// Who wrote it, by name: the partner's name, or the program's side
    /// — to staff, a staff member's sign-in (`sub`), or `workflow: <name>`;
    /// to the partner, the program's name.
    async fn author(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let row = self.0.read(C::Row)?;
        if row.sender == entity::enums::MessageSender::Partner {
            return Ok(load_partner(&*loader(ctx)?, &row.partner_id)
                .await?
                .name
                .clone());
        }
        // A partner reads no address or sign-in of the program's people.
        if !self.0.reads(C::Staffer) {
            let tenant = loader(ctx)?
                .load_one(TenantRow)
                .await?
                .ok_or_else(|| ApiError::internal("tenant", "missing"))?;
            return Ok(revshare_core::tenants::program_name(&tenant).to_owned());
        }
        if let Some(id) = &row.workflow_id {
            let found = loader(ctx)?.load_one(WorkflowId(id.clone())).await?;
            let name = found.map(|w| w.name).unwrap_or_default();
            return Ok(format!("workflow: {name}"));
        }
        Ok(row.author.clone())
    }

    /// What it says: plain text (at most 10,000 characters), to be shown as
    /// text, never as HTML.
    async fn body(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.body)
    }

    /// When it was sent.
    async fn sent_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.sent_at.into())
    }

    /// When the other side read it; null: not yet.
    async fn read_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.read_at.map(Into::into))
    }

    /// The broadcast it came from (staff; null to a partner, which never
    /// sees a broadcast's audience).
    async fn broadcast(&self, ctx: &Context<'_>) -> ApiResult<Option<Broadcast>> {
        let row = self.0.read(C::Row)?;
        let Some(id) = &row.broadcast_id else {
            return Ok(None);
        };
        let policy = policy(ctx)?;
        if policy.finds(Kind::Broadcast).is_err() {
            return Ok(None);
        }
        let found = loader(ctx)?.load_one(BroadcastId(id.clone())).await?;
        Ok(found.and_then(|row| Broadcast::found(policy, row)))
    }

    /// The partner whose thread it is in.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.0.read(C::Row)?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }
}

/// A page of a partner's thread, newest first.
pub(crate) async fn messages_of(
    ctx: &Context<'_>,
    tenant_id: &str,
    partner_id: &str,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ListConnection<Message>> {
    let policy = policy(ctx)?;
    policy.finds(Kind::Message)?;
    let order = Order::ByTime {
        time: message::Column::SentAt,
        id: message::Column::Id,
        newest_first: true,
    };
    let request =
        PageRequest::parse_in(page_args(first, after, None, None), DEFAULT_LIMITS, &order)?;
    let select = messages::thread(tenant_id, partner_id);
    list_connection(
        lists::list_ordered(db(ctx)?.conn(), &request, select, order),
        Message::for_caller(policy),
    )
    .await
}

/// How many messages the caller has not read: a partner token, of its
/// thread's from staff; staff, of the partner's (or, with none named,
/// every partner's) to them.
pub(crate) async fn unread_for(ctx: &Context<'_>, partner_id: Option<&str>) -> ApiResult<u64> {
    let policy = policy(ctx)?;
    policy.finds(Kind::Message)?;
    let reader = match policy.partner_rows(None).partner() {
        Some(_) => entity::enums::MessageSender::Partner,
        None => entity::enums::MessageSender::Staff,
    };
    messages::unread(db(ctx)?.conn(), policy.tenant_id(), partner_id, reader).await
}

/// A thread of the console's inbox, with its latest message (read with
/// the page's others in one statement).
pub struct MessageThread(pub messages::Thread, Message);

/// A partner's thread, as the console's inbox lists it.
#[Object]
impl MessageThread {
    /// The partner.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &self.0.partner_id).await?)
    }

    /// Its latest message.
    async fn last_message(&self) -> &Message {
        &self.1
    }

    /// The partner's messages staff have not read.
    async fn unread(&self) -> i64 {
        self.0.unread
    }
}

/// The tenant's threads, latest message first.
pub(crate) async fn threads_of(
    ctx: &Context<'_>,
    unread: bool,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<Connection<MessageThread>> {
    let policy = policy(ctx)?;
    let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
    let conn = db(ctx)?.conn();
    let tenant = policy.tenant_id().to_owned();
    let mut rows = messages::threads(
        conn,
        &tenant,
        unread,
        request.cursor.as_deref(),
        request.size + 1,
    )
    .await?;
    let has_next = rows.len() as u64 > request.size;
    rows.truncate(request.size as usize);
    let counting = conn.clone();
    let count = TotalCount::exact(move || {
        let (conn, tenant) = (counting.clone(), tenant.clone());
        async move { messages::thread_count(&conn, &tenant, unread).await }
    });
    let last: Vec<&str> = rows.iter().map(|t| t.last_id.as_str()).collect();
    let mut latest: std::collections::HashMap<String, message::Model> =
        messages::by_ids(conn, policy.tenant_id(), &last)
            .await?
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
    let mut connection = Connection::new(request.cursor.is_some(), has_next, count);
    for row in rows {
        let message = latest
            .remove(&row.last_id)
            .and_then(|m| Message::seen(policy, m))
            .ok_or_else(|| ApiError::internal("thread", "no latest message"))?;
        connection
            .edges
            .push(Edge::new(row.last_id.clone(), MessageThread(row, message)));
    }
    Ok(connection)
}

/// Who a broadcast is for: every partner matching all its filters
/// (within a filter, any value).
#[derive(SimpleObject)]
pub struct BroadcastAudience {
    /// Partners of these groups.
    pub group_ids: Vec<ID>,
    /// Partners in these categories.
    pub category_ids: Vec<ID>,
    /// Partners with these tags.
    pub tags: Vec<String>,
    /// Partners in these statuses (`ACTIVE` when empty).
    pub statuses: Vec<PartnerStatus>,
    /// Partners in these countries (ISO 3166-1 alpha-2).
    pub countries: Vec<String>,
    /// Partners that earned at least this (commissions not reversed, in
    /// its currency, clawbacks counted) between `earnedFrom` and
    /// `earnedTo`.
    pub earned_at_least: Option<Money>,
    /// From when earnings count; null: always.
    pub earned_from: Option<DateTime>,
    /// Until when (excluded); null: now.
    pub earned_to: Option<DateTime>,
}

/// A message to an audience of partners (SPEC §35), now or at a time.
pub struct Broadcast(pub Visible<broadcast::Model>);

impl Seen for Broadcast {
    type Row = broadcast::Model;

    fn made(row: Visible<broadcast::Model>) -> Self {
        Broadcast(row)
    }

    fn visible(&self) -> &Visible<broadcast::Model> {
        &self.0
    }
}

/// A message to an audience of partners (SPEC §35), now or at a time.
#[Object]
impl Broadcast {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its subject (its e-mail's).
    async fn subject(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.subject)
    }

    /// What it says: plain text.
    async fn body(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.body)
    }

    /// Its subject and body in other languages, as its author gave them
    /// (SPEC §38): a recipient reading one reads it so.
    async fn translations(&self) -> ApiResult<Vec<TextTranslation>> {
        let row = self.0.read(C::Row)?;
        Ok(
            revshare_core::languages::translations::decode(row.translations.as_deref())
                .into_iter()
                .map(TextTranslation::from)
                .collect(),
        )
    }

    /// Who it is for.
    async fn audience(&self) -> ApiResult<BroadcastAudience> {
        let kept = broadcasts::audience_of(self.0.read(C::Row)?)?;
        let earned = kept.earned.as_ref();
        Ok(BroadcastAudience {
            group_ids: kept.group_ids.into_iter().map(ID).collect(),
            category_ids: kept.category_ids.into_iter().map(ID).collect(),
            tags: kept.tags,
            statuses: kept.statuses.into_iter().map(Into::into).collect(),
            countries: kept.countries,
            earned_at_least: earned
                .map(|e| Money::of(e.amount_minor, &e.currency))
                .transpose()?,
            earned_from: earned.and_then(|e| e.from).map(Into::into),
            earned_to: earned.and_then(|e| e.to).map(Into::into),
        })
    }

    /// Where it is.
    async fn status(&self) -> ApiResult<BroadcastStatus> {
        Ok(self.0.read(C::Row)?.status.into())
    }

    /// Why it is `FAILED`; null otherwise.
    async fn failure(&self) -> ApiResult<Option<&str>> {
        Ok(self.0.read(C::Row)?.failure.as_deref())
    }

    /// When it is to be sent; null: it was sent when made.
    async fn send_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.send_at.map(Into::into))
    }

    /// When it was sent.
    async fn sent_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.0.read(C::Row)?.sent_at.map(Into::into))
    }

    /// The partners its audience resolved to when it started sending;
    /// null before.
    async fn recipients(&self) -> ApiResult<Option<i32>> {
        Ok(self.0.read(C::Row)?.recipients)
    }

    /// The messages it has written, one per recipient: `recipients` once
    /// it is `SENT`.
    async fn delivered(&self) -> ApiResult<i32> {
        Ok(self.0.read(C::Row)?.delivered)
    }

    /// How many of its messages their recipients have read.
    async fn read(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let row = self.0.read(C::Row)?;
        let read = loader(ctx)?
            .load_one(ReadsOfBroadcast(row.id.clone()))
            .await?;
        Ok(read.unwrap_or(0))
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.created_at.into())
    }
}

/// A page of the tenant's broadcasts, newest first.
pub(crate) async fn broadcasts_of(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ListConnection<Broadcast>> {
    let policy = policy(ctx)?;
    policy.finds(Kind::Broadcast)?;
    let order = Order::ByTime {
        time: broadcast::Column::CreatedAt,
        id: broadcast::Column::Id,
        newest_first: true,
    };
    let request =
        PageRequest::parse_in(page_args(first, after, None, None), DEFAULT_LIMITS, &order)?;
    list_connection(
        lists::list_ordered(
            db(ctx)?.conn(),
            &request,
            broadcasts::list(policy.tenant_id()),
            order,
        ),
        Broadcast::for_caller(policy),
    )
    .await
}

/// A `metricReached` trigger.
#[derive(SimpleObject)]
pub struct WorkflowMetricTrigger {
    /// What is counted.
    pub metric: WorkflowMetric,
    /// What reaches it: an amount in `currency`, or a count.
    pub value: Decimal,
    /// The currency of the commissions counted.
    pub currency: String,
    /// From when commissions count; null: always.
    pub from: Option<DateTime>,
    /// Until when (excluded); null: no end.
    pub to: Option<DateTime>,
}

/// What sets a workflow off: one of its fields.
#[derive(SimpleObject)]
pub struct WorkflowTrigger {
    /// A partner's application approved.
    pub partner_approved: bool,
    /// A partner reaching a metric.
    pub metric_reached: Option<WorkflowMetricTrigger>,
}

/// One action of a workflow: `kind` says which field is set.
#[derive(SimpleObject)]
pub struct WorkflowAction {
    /// What it does.
    pub kind: WorkflowActionKind,
    /// `MOVE_TO_GROUP`: the group.
    pub move_to_group: Option<ID>,
    /// `SEND_MESSAGE`: the message.
    pub send_message: Option<String>,
    /// `ADD_TAG`: the tag.
    pub add_tag: Option<String>,
    /// `PAY_BONUS`: the bonus.
    pub pay_bonus: Option<Money>,
}

/// How one action of a run went.
#[derive(SimpleObject)]
pub struct WorkflowOutcome {
    /// Which action.
    pub action: WorkflowActionKind,
    /// Whether it was done (or found done already).
    pub done: bool,
    /// What it did, or why not.
    pub detail: Option<String>,
}

/// A workflow acted on a partner: once per workflow and partner.
pub struct WorkflowRun(pub workflow_run::Model);

/// A workflow acted on a partner: once per workflow and partner.
#[Object]
impl WorkflowRun {
    /// The partner it acted on.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &self.0.partner_id).await?)
    }

    /// When.
    async fn ran_at(&self) -> DateTime {
        self.0.ran_at.into()
    }

    /// Each action's outcome, in order (none when it failed).
    async fn outcomes(&self) -> ApiResult<Vec<WorkflowOutcome>> {
        Ok(run::outcomes_of(&self.0)?
            .into_iter()
            .map(|o| WorkflowOutcome {
                action: o.action.into(),
                done: o.done,
                detail: o.detail,
            })
            .collect())
    }

    /// Why it took no action — what of its workflow could not be read —
    /// or null when it ran. A failed run is taken again the next time the
    /// workflow is due for the partner.
    async fn failure(&self) -> Option<&str> {
        self.0.failure.as_deref()
    }
}

/// What happens to a partner approved or reaching a metric (SPEC §35),
/// once per partner.
pub struct Workflow(pub Visible<workflow::Model>);

impl Seen for Workflow {
    type Row = workflow::Model;

    fn made(row: Visible<workflow::Model>) -> Self {
        Workflow(row)
    }

    fn visible(&self) -> &Visible<workflow::Model> {
        &self.0
    }
}

fn action_of(action: Action) -> ApiResult<WorkflowAction> {
    let mut out = WorkflowAction {
        kind: action.kind().into(),
        move_to_group: None,
        send_message: None,
        add_tag: None,
        pay_bonus: None,
    };
    match action {
        Action::MoveToGroup { group_id } => out.move_to_group = Some(ID(group_id)),
        Action::SendMessage { body } => out.send_message = Some(body),
        Action::AddTag { tag } => out.add_tag = Some(tag),
        Action::PayBonus {
            amount_minor,
            currency,
        } => out.pay_bonus = Some(Money::of(amount_minor, &currency)?),
    }
    Ok(out)
}

/// What happens to a partner approved or reaching a metric (SPEC §35),
/// once per partner.
#[Object]
impl Workflow {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name (a bonus it pays is explained by it).
    async fn name(&self) -> ApiResult<&str> {
        Ok(&self.0.read(C::Row)?.name)
    }

    /// The groups whose partners it acts on; empty: every group.
    async fn group_ids(&self) -> ApiResult<Vec<ID>> {
        Ok(flows::groups_of(self.0.read(C::Row)?)?
            .into_iter()
            .map(ID)
            .collect())
    }

    /// What sets it off.
    async fn trigger(&self) -> ApiResult<WorkflowTrigger> {
        let row = self.0.read(C::Row)?;
        Ok(match flows::trigger_of(row)? {
            Trigger::MetricReached(metric) => WorkflowTrigger {
                partner_approved: false,
                metric_reached: Some(WorkflowMetricTrigger {
                    metric: metric.metric.into(),
                    value: metric.decimal().into(),
                    currency: metric.currency.clone(),
                    from: metric.from.map(Into::into),
                    to: metric.to.map(Into::into),
                }),
            },
            Trigger::PartnerApproved => WorkflowTrigger {
                partner_approved: true,
                metric_reached: None,
            },
        })
    }

    /// What it does, in order.
    async fn actions(&self) -> ApiResult<Vec<WorkflowAction>> {
        flows::actions_of(self.0.read(C::Row)?)?
            .into_iter()
            .map(action_of)
            .collect()
    }

    /// Whether it acts (a workflow off sets nothing off).
    async fn enabled(&self) -> ApiResult<bool> {
        Ok(self.0.read(C::Row)?.enabled)
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.0.read(C::Row)?.created_at.into())
    }

    /// The partners it acted on, newest first, each with its actions'
    /// outcomes.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<WorkflowRun>> {
        let row = self.0.read(C::Row)?;
        let order = Order::ByTime {
            time: workflow_run::Column::RanAt,
            id: workflow_run::Column::Id,
            newest_first: true,
        };
        let request =
            PageRequest::parse_in(page_args(first, after, None, None), DEFAULT_LIMITS, &order)?;
        list_connection(
            lists::list_ordered(
                db(ctx)?.conn(),
                &request,
                flows::runs(&row.tenant_id, &row.id),
                order,
            ),
            |run| Some(WorkflowRun(run)),
        )
        .await
    }
}

/// A page of the tenant's workflows, newest first.
pub(crate) async fn workflows_of(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> ApiResult<ListConnection<Workflow>> {
    let policy = policy(ctx)?;
    policy.finds(Kind::Workflow)?;
    let order = Order::ByTime {
        time: workflow::Column::CreatedAt,
        id: workflow::Column::Id,
        newest_first: true,
    };
    let request =
        PageRequest::parse_in(page_args(first, after, None, None), DEFAULT_LIMITS, &order)?;
    list_connection(
        lists::list_ordered(
            db(ctx)?.conn(),
            &request,
            flows::list(policy.tenant_id()),
            order,
        ),
        Workflow::for_caller(policy),
    )
    .await
}

/// A staff text in one language (SPEC §38).
#[derive(async_graphql::SimpleObject)]
pub struct TextTranslation {
    /// The language (`de`).
    pub language: String,
    /// A broadcast's subject in it; none: the subject as written.
    pub subject: Option<String>,
    /// The text in it.
    pub body: String,
}

impl From<revshare_core::languages::translations::Translation> for TextTranslation {
    fn from(t: revshare_core::languages::translations::Translation) -> TextTranslation {
        TextTranslation {
            language: t.language,
            subject: t.subject,
            body: t.body,
        }
    }
}
