//! Talking to partners (SPEC §35): threads, broadcasts, workflows.

use crate::graphql::connection::{Connection, ListConnection};
use crate::graphql::context::{db, forget_reads, policy, writer};
use crate::graphql::enums::PartnerStatus;
use crate::graphql::objects::messages::{
    MessageThread, WorkflowMetric, broadcasts_of, threads_of, workflows_of,
};
use crate::graphql::objects::{Broadcast, Message, Seen as _, Workflow};
use crate::graphql::payouts::MoneyInput;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, ID, InputObject, Object, OneofObject};
use entity::enums::MessageSender;
use revshare_core::auth::Scope;
use revshare_core::auth::access::Kind;
use revshare_core::engagement::workflows::run::ActionKind;
use revshare_core::engagement::workflows::{self as flows, ActionInput, NewWorkflow, TriggerInput};
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::languages::translations::Translation;
use revshare_core::messages;
use revshare_core::messages::broadcasts::{self, AudienceInput, NewBroadcast};

/// A message to send.
#[derive(InputObject)]
pub struct SendMessageInput {
    /// The partner whose thread it goes to (staff); a partner token writes
    /// to its own and leaves it out.
    pub partner_id: Option<ID>,
    /// Plain text, at most 10,000 characters (never rendered as HTML).
    pub body: String,
    /// The body in other languages (staff, SPEC §38): a partner reading
    /// one of them is sent it, and its thread keeps what it read; else the
    /// body as written. A partner's own message has none.
    #[graphql(default)]
    pub translations: Vec<MessageTranslationInput>,
}

/// A staff message's body in one language.
#[derive(InputObject)]
pub struct MessageTranslationInput {
    /// A language revshare writes in (`de`).
    pub language: String,
    /// The body in it, checked as the body is.
    pub body: String,
}

/// A broadcast's subject and body in one language.
#[derive(InputObject)]
pub struct BroadcastTranslationInput {
    /// A language revshare writes in (`de`).
    pub language: String,
    /// The subject in it; omitted: the subject as written.
    pub subject: Option<String>,
    /// The body in it, checked as the body is.
    pub body: String,
}

/// Messages read.
#[derive(InputObject)]
pub struct MarkMessagesReadInput {
    /// The thread (staff); a partner token marks its own and leaves it
    /// out.
    pub partner_id: Option<ID>,
    /// The other side's messages up to this one (included) are read.
    pub up_to: ID,
}

/// Who a broadcast is for: every partner matching all the filters given
/// (within a filter, any value), `ACTIVE` unless `statuses` says
/// otherwise.
#[derive(InputObject, Default)]
pub struct BroadcastAudienceInput {
    /// Partners of these groups (at most 100).
    pub group_ids: Option<Vec<ID>>,
    /// Partners in these categories (at most 100).
    pub category_ids: Option<Vec<ID>>,
    /// Partners with these tags.
    pub tags: Option<Vec<String>>,
    /// Partners in these statuses (`ACTIVE` by default).
    pub statuses: Option<Vec<PartnerStatus>>,
    /// Partners in these countries (ISO 3166-1 alpha-2, at most 100).
    pub countries: Option<Vec<String>>,
    /// Partners that earned at least this (commissions not reversed, in
    /// its currency, clawbacks counted) between `earnedFrom` and
    /// `earnedTo`.
    pub earned_at_least: Option<MoneyInput>,
    /// From when earnings count (with `earnedAtLeast`); omitted: always.
    pub earned_from: Option<DateTime>,
    /// Until when (excluded; with `earnedAtLeast`); omitted: now.
    pub earned_to: Option<DateTime>,
}

/// A new broadcast.
#[derive(InputObject)]
pub struct CreateBroadcastInput {
    /// Its subject (at most 200 characters), its e-mail's.
    pub subject: String,
    /// Plain text, at most 10,000 characters.
    pub body: String,
    /// Who it is for, resolved when it sends.
    pub audience: BroadcastAudienceInput,
    /// When to send it; omitted or past: now.
    pub send_at: Option<DateTime>,
    /// Its subject and body in other languages (SPEC §38): a recipient
    /// reading one of them reads it so; every other recipient, as written.
    #[graphql(default)]
    pub translations: Vec<BroadcastTranslationInput>,
}

/// A `metricReached` trigger.
#[derive(InputObject)]
pub struct WorkflowMetricInput {
    /// What is counted.
    pub metric: WorkflowMetric,
    /// What reaches it: more than 0; an amount in `currency`, or a whole
    /// count.
    pub value: Decimal,
    /// The currency of the commissions counted; omitted: the program's.
    pub currency: Option<String>,
    /// From when commissions count; omitted: from the moment the workflow
    /// is made, so that what partners did before it began does not set it
    /// off. Name an earlier instant to count their history too.
    pub from: Option<DateTime>,
    /// Until when (excluded); omitted: no end.
    pub to: Option<DateTime>,
}

/// What sets a workflow off: exactly one.
#[derive(OneofObject)]
pub enum WorkflowTriggerInput {
    /// A partner's application approved (`true`).
    PartnerApproved(bool),
    /// A partner reaching a metric.
    MetricReached(WorkflowMetricInput),
}

/// One action of a workflow: exactly one.
#[derive(OneofObject)]
pub enum WorkflowActionInput {
    /// Move the partner to this group (`partner_groups:write`).
    MoveToGroup(ID),
    /// Write this message to the partner's thread.
    SendMessage(String),
    /// Add this tag to the partner.
    AddTag(String),
    /// Pay the partner this `BONUS` commission (`commissions:write`).
    PayBonus(MoneyInput),
}

/// A new workflow.
#[derive(InputObject)]
pub struct CreateWorkflowInput {
    /// Its name (at most 200 characters); a bonus it pays is explained by
    /// it.
    pub name: String,
    /// The groups whose partners it acts on (at most 100); omitted or
    /// empty: every group.
    pub group_ids: Option<Vec<ID>>,
    /// What sets it off.
    pub trigger: WorkflowTriggerInput,
    /// What it does, in order (1 to 10).
    pub actions: Vec<WorkflowActionInput>,
}

fn ids(given: Option<Vec<ID>>) -> Vec<String> {
    given
        .unwrap_or_default()
        .into_iter()
        .map(|id| id.0)
        .collect()
}

#[derive(Default)]
pub struct MessageQuery;

#[Object]
impl MessageQuery {
    /// The console's inbox: the tenant's threads, latest message first,
    /// each with the partner's messages staff have not read
    /// (`partners:read`).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn message_threads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only threads with unread messages from their partner.")] unread: Option<
            bool,
        >,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<Connection<MessageThread>> {
        let policy = policy(ctx)?;
        if policy.partner_rows(None).partner().is_some() {
            return Err(ApiError::Forbidden(
                "the inbox is the program's staff's; a partner reads its thread (viewer.partner.messages)"
                    .into(),
            ));
        }
        policy.finds(Kind::Message)?;
        threads_of(ctx, unread.unwrap_or(false), first, after).await
    }

    /// The tenant's broadcasts, newest first (`partners:read`).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn broadcasts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Broadcast>> {
        broadcasts_of(ctx, first, after).await
    }

    /// The tenant's workflows, newest first (`partners:read`).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn workflows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Workflow>> {
        workflows_of(ctx, first, after).await
    }
}

#[derive(Default)]
pub struct MessageMutation;

#[Object]
impl MessageMutation {
    /// Writes a message to a partner's thread: staff (`partners:write`)
    /// name the partner; a partner's own token writes to its own, at most
    /// 30 an hour (past it, `TOO_MANY_REQUESTS` with `retryAfter`). Its
    /// reader is e-mailed as it prefers.
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The message.")] input: SendMessageInput,
    ) -> ApiResult<Message> {
        let policy = policy(ctx)?;
        let db = db(ctx)?;
        let own = policy.partner_rows(None).partner().map(str::to_owned);
        let row = match own {
            Some(own) => {
                if !input.translations.is_empty() {
                    return Err(ApiError::bad_input(
                        "input.translations",
                        "are a staff message's: a partner writes in its own words",
                    ));
                }
                if input
                    .partner_id
                    .as_ref()
                    .is_some_and(|id| id.as_str() != own)
                {
                    // Another partner is named as an id naming nothing is.
                    return Err(ApiError::bad_input(
                        "input.partnerId",
                        "names no partner of the tenant",
                    ));
                }
                forget_reads(ctx)?;
                messages::send_as_partner(db, policy.tenant_id(), &own, &input.body).await?
            }
            None => {
                let principal = writer(ctx, Scope::PartnersWrite)?;
                let partner_id = input
                    .partner_id
                    .ok_or_else(|| ApiError::bad_input("input.partnerId", "name the partner"))?;
                let translations = input
                    .translations
                    .into_iter()
                    .map(|t| Translation {
                        language: t.language,
                        subject: None,
                        body: t.body,
                    })
                    .collect();
                messages::send_as_staff(
                    db,
                    principal.tenant_id(),
                    &principal.subject,
                    &partner_id,
                    &input.body,
                    translations,
                )
                .await?
            }
        };
        Message::shown(ctx, row)
    }

    /// Marks the other side's messages of a thread read, up to `upTo`
    /// (included): staff (`partners:write`) name the partner; a partner's
    /// token marks its own. Answers how many were unread.
    async fn mark_messages_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread and how far it was read.")] input: MarkMessagesReadInput,
    ) -> ApiResult<u64> {
        let policy = policy(ctx)?;
        let own = policy.partner_rows(None).partner().map(str::to_owned);
        let (partner_id, reader) = match own {
            Some(own) => {
                if input
                    .partner_id
                    .as_ref()
                    .is_some_and(|id| id.as_str() != own)
                {
                    return Err(ApiError::bad_input(
                        "input.partnerId",
                        "names no partner of the tenant",
                    ));
                }
                (own, MessageSender::Partner)
            }
            None => {
                writer(ctx, Scope::PartnersWrite)?;
                let id = input
                    .partner_id
                    .ok_or_else(|| ApiError::bad_input("input.partnerId", "name the partner"))?;
                (id.0, MessageSender::Staff)
            }
        };
        forget_reads(ctx)?;
        messages::mark_read(
            db(ctx)?,
            policy.tenant_id(),
            &partner_id,
            reader,
            &input.up_to,
        )
        .await
    }

    /// Makes a broadcast (`partners:write`): sent now, or at `sendAt`. Its
    /// audience is resolved once, when it starts sending; each recipient
    /// gets it once, as a message in its thread. A large audience may
    /// answer `SENDING`: the rest is written in the background.
    async fn create_broadcast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The broadcast.")] input: CreateBroadcastInput,
    ) -> ApiResult<Broadcast> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let a = input.audience;
        let earned_at_least = match a.earned_at_least {
            Some(money) => Some((
                money.amount.value("input.audience.earnedAtLeast.amount")?,
                money.currency,
            )),
            None => None,
        };
        let audience = AudienceInput {
            group_ids: ids(a.group_ids),
            category_ids: ids(a.category_ids),
            tags: a.tags.unwrap_or_default(),
            statuses: a
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            countries: a.countries.unwrap_or_default(),
            earned_at_least,
            earned_from: a
                .earned_from
                .map(|at| at.value("input.audience.earnedFrom"))
                .transpose()?,
            earned_to: a
                .earned_to
                .map(|at| at.value("input.audience.earnedTo"))
                .transpose()?,
        };
        let new = NewBroadcast {
            subject: input.subject,
            body: input.body,
            translations: input
                .translations
                .into_iter()
                .map(|t| Translation {
                    language: t.language,
                    subject: t.subject,
                    body: t.body,
                })
                .collect(),
            audience,
            send_at: input
                .send_at
                .map(|at| at.value("input.sendAt"))
                .transpose()?,
        };
        let wake = ctx.data::<broadcasts::Wake>().cloned().unwrap_or_default();
        let row = broadcasts::create(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            new,
            &wake,
        )
        .await?;
        Broadcast::shown(ctx, row)
    }

    /// Cancels a `SCHEDULED` broadcast (`partners:write`); one sent is
    /// `CONFLICT`.
    async fn cancel_broadcast(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The broadcast's id.")] id: ID,
    ) -> ApiResult<Broadcast> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let row = broadcasts::cancel(db(ctx)?, principal.tenant_id(), &id).await?;
        Broadcast::shown(ctx, row)
    }

    /// Makes a workflow, enabled (`partners:write`; `partner_groups:write`
    /// too to move partners, `commissions:write` to pay bonuses): it acts
    /// once per partner, whatever is retried or raced.
    async fn create_workflow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workflow.")] input: CreateWorkflowInput,
    ) -> ApiResult<Workflow> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        flows::may_write(principal, input.actions.iter().map(kind_of))?;
        let mut actions = Vec::with_capacity(input.actions.len());
        for (i, action) in input.actions.into_iter().enumerate() {
            actions.push(match action {
                WorkflowActionInput::MoveToGroup(id) => ActionInput::MoveToGroup(id.0),
                WorkflowActionInput::SendMessage(body) => ActionInput::SendMessage(body),
                WorkflowActionInput::AddTag(tag) => ActionInput::AddTag(tag),
                WorkflowActionInput::PayBonus(money) => {
                    let field = format!("input.actions[{i}].payBonus.amount");
                    ActionInput::PayBonus(money.amount.value(&field)?, money.currency)
                }
            });
        }
        let trigger = match input.trigger {
            WorkflowTriggerInput::PartnerApproved(true) => TriggerInput::PartnerApproved,
            WorkflowTriggerInput::PartnerApproved(false) => {
                return Err(ApiError::bad_input(
                    "input.trigger.partnerApproved",
                    "must be true (or name metricReached)",
                ));
            }
            WorkflowTriggerInput::MetricReached(metric) => TriggerInput::MetricReached {
                metric: metric.metric.into(),
                value: metric.value.value("input.trigger.metricReached.value")?,
                currency: metric.currency,
                from: metric
                    .from
                    .map(|at| at.value("input.trigger.metricReached.from"))
                    .transpose()?,
                to: metric
                    .to
                    .map(|at| at.value("input.trigger.metricReached.to"))
                    .transpose()?,
            },
        };
        let new = NewWorkflow {
            name: input.name,
            group_ids: ids(input.group_ids),
            trigger,
            actions,
        };
        let row = flows::create(db(ctx)?, principal.tenant_id(), &principal.subject, new).await?;
        Workflow::shown(ctx, row)
    }

    /// Turns a workflow on or off: as making it, `partners:write`, with
    /// `partner_groups:write` for one that moves partners and
    /// `commissions:write` for one that pays bonuses.
    async fn set_workflow_enabled(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The workflow's id.")] id: ID,
        #[graphql(desc = "Whether it acts.")] enabled: bool,
    ) -> ApiResult<Workflow> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let row = flows::set_enabled(db(ctx)?, principal, &id, enabled).await?;
        Workflow::shown(ctx, row)
    }
}

/// What a workflow's action is, as given.
fn kind_of(action: &WorkflowActionInput) -> ActionKind {
    match action {
        WorkflowActionInput::MoveToGroup(_) => ActionKind::MoveToGroup,
        WorkflowActionInput::SendMessage(_) => ActionKind::SendMessage,
        WorkflowActionInput::AddTag(_) => ActionKind::AddTag,
        WorkflowActionInput::PayBonus(_) => ActionKind::PayBonus,
    }
}
