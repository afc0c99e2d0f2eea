//! Bounties (SPEC §31): made by staff, worked for by partners, decided by
//! staff.

use crate::graphql::connection::ListConnection;
use crate::graphql::context::{db, policy, principal, writer};
use crate::graphql::objects::bounties::{BountyMetric, BountyRejectionReason, BountyType};
use crate::graphql::objects::{Bounty, BountySubmission, Seen as _};
use crate::graphql::payouts::MoneyInput;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use revshare_core::auth::Scope;
use revshare_core::auth::access::Kind;
use revshare_core::engagement::bounties::{self as rules, BountyChanges, NewBounty, submissions};
use revshare_core::error::ApiResult;

/// A performance bounty's goal.
#[derive(InputObject)]
pub struct BountyGoalInput {
    /// What is counted.
    pub metric: BountyMetric,
    /// What reaches it: more than 0; an amount in the reward's currency,
    /// or a whole count.
    pub value: Decimal,
}

/// A new bounty.
#[derive(InputObject)]
pub struct CreateBountyInput {
    /// Its name (at most 200 characters).
    pub name: String,
    /// What it asks for (at most 5,000 characters).
    pub description: Option<String>,
    /// The groups whose partners it is for (at most 100); may be empty
    /// when `partnerTags` names one.
    #[graphql(default)]
    pub group_ids: Vec<ID>,
    /// Partners carrying one of these tags are eligible too, whatever
    /// their group (SPEC §37; at most 20).
    #[graphql(default)]
    pub partner_tags: Vec<String>,
    /// Each partner's window in days (1 to 3,650), from the later of its
    /// join and `startsAt`, in the program's time zone, never past
    /// `endsAt`; omitted: the bounty's own dates.
    pub window_days: Option<i32>,
    /// What it pays, more than 0.
    pub reward: MoneyInput,
    /// From when it counts and takes submissions; omitted with
    /// `windowDays`: now.
    pub starts_at: Option<DateTime>,
    /// Until when (excluded); omitted: no end.
    pub ends_at: Option<DateTime>,
    /// What it pays for.
    pub r#type: BountyType,
    /// `PERFORMANCE`: the goal that wins it (required).
    pub goal: Option<BountyGoalInput>,
    /// `SUBMISSION`: how many a partner may make (1 to 100, 1 by default).
    pub max_submissions: Option<i32>,
    /// The campaign its rewards are booked in and mature by; omitted: the
    /// default campaign.
    pub campaign_id: Option<ID>,
}

/// What `updateBounty` changes: omitted fields stay as they are; `null`
/// clears `description`, `endsAt` and `windowDays`. Its currency, type and
/// campaign never change.
#[derive(InputObject)]
pub struct UpdateBountyInput {
    /// A new name.
    pub name: Option<String>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
    /// A new reward in the bounty's currency: what is reached or approved
    /// from now on pays it; rewards written keep theirs.
    pub reward: Option<MoneyInput>,
    /// A new start.
    pub starts_at: Option<DateTime>,
    /// A new end; null: none.
    pub ends_at: MaybeUndefined<DateTime>,
    /// A new window per partner; null: the bounty's own dates.
    pub window_days: MaybeUndefined<i32>,
    /// New groups (the whole list).
    pub group_ids: Option<Vec<ID>>,
    /// New partner tags (the whole list).
    pub partner_tags: Option<Vec<String>>,
    /// `SUBMISSION`: a new limit per partner.
    pub max_submissions: Option<i32>,
    /// `PERFORMANCE`: a new goal, until a reward of it is written
    /// (`CONFLICT` after).
    pub goal: Option<BountyGoalInput>,
}

/// A partner's work for a `SUBMISSION` bounty.
#[derive(InputObject)]
pub struct SubmitBountyInput {
    /// The bounty.
    pub bounty_id: ID,
    /// The work's `http(s)` URLs (at most 10; at least 1 to submit).
    pub urls: Vec<String>,
    /// What the partner says of it (at most 1,000 characters).
    pub description: Option<String>,
    /// Keep it as the partner's draft of the bounty instead of submitting
    /// it (false by default).
    #[graphql(default = false)]
    pub draft: bool,
}

/// Staff's decision on a submission.
#[derive(InputObject)]
pub struct DecideBountySubmissionInput {
    /// The submission, `SUBMITTED`.
    pub id: ID,
    /// Approve (a `BOUNTY` commission is written) or reject.
    pub approve: bool,
    /// Approving: the amount to pay instead of the bounty's reward, in
    /// its currency.
    pub amount: Option<Decimal>,
    /// Rejecting: why (required).
    pub reason: Option<BountyRejectionReason>,
    /// A note the partner reads (at most 5,000 characters).
    pub note: Option<String>,
}

#[derive(Default)]
pub struct BountyQuery;

#[Object]
impl BountyQuery {
    /// A bounty by id (`campaigns:read` or `commissions:read`; a partner
    /// token: one of its group's).
    pub async fn bounty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The bounty's id.")] id: ID,
    ) -> ApiResult<Option<Bounty>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Bounty)?;
        let Some(row) = rules::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        if let Some(own) = policy.partner_rows(None).partner() {
            let partner =
                crate::graphql::loaders::load_partner(&*crate::graphql::context::loader(ctx)?, own)
                    .await?;
            if !rules::is_for(&row, rules::Member::of(&partner))? {
                return Ok(None);
            }
        }
        Ok(Bounty::found(policy, row))
    }

    /// The tenant's bounties, oldest first (`campaigns:read` or
    /// `commissions:read`); a partner token: those of its group.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn bounties(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "Only those of this type.")] r#type: Option<BountyType>,
    ) -> ApiResult<ListConnection<Bounty>> {
        let policy = policy(ctx)?;
        policy.finds(Kind::Bounty)?;
        let partner = match policy.partner_rows(None).partner() {
            Some(own) => Some(
                crate::graphql::loaders::load_partner(&*crate::graphql::context::loader(ctx)?, own)
                    .await?,
            ),
            None => None,
        };
        let member = partner.as_deref().map(rules::Member::of);
        crate::graphql::objects::bounties::bounties_of(ctx, member, first, after, r#type).await
    }
}

#[derive(Default)]
pub struct BountyMutation;

#[Object]
impl BountyMutation {
    /// Makes a bounty (`campaigns:write`) for the partners of its groups:
    /// `PERFORMANCE` pays its reward once when a partner reaches its goal
    /// with what it earned between its dates; `SUBMISSION` takes work from
    /// partners, paid when staff approve it.
    async fn create_bounty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The bounty.")] input: CreateBountyInput,
    ) -> ApiResult<Bounty> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let goal = match input.goal {
            Some(goal) => Some((goal.metric.into(), goal.value.value("input.goal.value")?)),
            None => None,
        };
        let new = NewBounty {
            name: input.name,
            description: input.description,
            group_ids: input.group_ids.into_iter().map(|id| id.0).collect(),
            partner_tags: input.partner_tags,
            window_days: input.window_days,
            campaign_id: input.campaign_id.map(|id| id.0),
            reward: input.reward.amount.value("input.reward.amount")?,
            currency: input.reward.currency,
            starts_at: input
                .starts_at
                .map(|at| at.value("input.startsAt"))
                .transpose()?,
            ends_at: input
                .ends_at
                .map(|at| at.value("input.endsAt"))
                .transpose()?,
            kind: input.r#type.into(),
            goal,
            max_submissions: input.max_submissions,
        };
        let row = rules::create(db(ctx)?, principal.tenant_id(), new).await?;
        Bounty::shown(ctx, row)
    }

    /// Changes a bounty (`campaigns:write`) for what comes next: a reward
    /// written keeps its amount; its goal changes only until a reward is
    /// written, and an ended bounty not at all (`CONFLICT`).
    async fn update_bounty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The bounty's id.")] id: ID,
        #[graphql(desc = "What to change.")] input: UpdateBountyInput,
    ) -> ApiResult<Bounty> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let goal = match input.goal {
            Some(goal) => Some((goal.metric.into(), goal.value.value("input.goal.value")?)),
            None => None,
        };
        let reward = match input.reward {
            Some(reward) => Some((reward.amount.value("input.reward.amount")?, reward.currency)),
            None => None,
        };
        let when = |at: DateTime, field: &str| at.value(field);
        let changes = BountyChanges {
            name: input.name,
            description: input.description.into(),
            reward,
            starts_at: input
                .starts_at
                .map(|at| when(at, "input.startsAt"))
                .transpose()?,
            ends_at: Option::<Option<DateTime>>::from(input.ends_at)
                .map(|at| at.map(|at| when(at, "input.endsAt")).transpose())
                .transpose()?,
            window_days: input.window_days.into(),
            group_ids: input
                .group_ids
                .map(|ids| ids.into_iter().map(|id| id.0).collect()),
            partner_tags: input.partner_tags,
            max_submissions: input.max_submissions,
            goal,
        };
        let row = rules::update(db(ctx)?, principal.tenant_id(), &id, changes).await?;
        Bounty::shown(ctx, row)
    }

    /// Ends a bounty now (`campaigns:write`): nothing later counts or is
    /// submitted; work in may still be decided, and what was earned is
    /// kept. Ended already, or past its end: `CONFLICT`.
    async fn end_bounty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The bounty's id.")] id: ID,
    ) -> ApiResult<Bounty> {
        let principal = writer(ctx, Scope::CampaignsWrite)?;
        let row = rules::end(db(ctx)?, principal.tenant_id(), &id).await?;
        Bounty::shown(ctx, row)
    }

    /// Submits a partner's work for a `SUBMISSION` bounty of its group
    /// while it is open (a partner token), or keeps it as its draft: at
    /// most the bounty's `maxSubmissions` submitted or approved.
    async fn submit_bounty(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The work.")] input: SubmitBountyInput,
    ) -> ApiResult<BountySubmission> {
        let policy = policy(ctx)?;
        let partner_id =
            policy.partner_acting("a partner submits its own work, with its own token")?;
        let principal = principal(ctx)?;
        let given = submissions::Submitted {
            bounty_id: input.bounty_id.0,
            urls: input.urls,
            description: input.description,
            draft: input.draft,
        };
        let tenant_id = principal.tenant_id();
        let row = db(ctx)?
            .transaction(|txn| {
                let given = &given;
                Box::pin(async move {
                    let now = revshare_core::db::now();
                    submissions::submit(&*txn, tenant_id, partner_id, given, now).await
                })
            })
            .await?;
        BountySubmission::shown(ctx, row)
    }

    /// Approves or rejects a `SUBMISSION` bounty's submission
    /// (`commissions:write`), once: approving writes a `BOUNTY` commission
    /// of the reward (or `amount`); rejecting needs a reason. The partner
    /// is e-mailed the decision.
    async fn decide_bounty_submission(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: DecideBountySubmissionInput,
    ) -> ApiResult<BountySubmission> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let decision = submissions::Decision {
            id: input.id.0,
            approve: input.approve,
            amount: input.amount.map(|a| a.value("input.amount")).transpose()?,
            reason: input.reason.map(Into::into),
            note: input.note,
        };
        let row = revshare_core::ledger::rewards::decide_submission(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &decision,
        )
        .await?;
        BountySubmission::shown(ctx, row)
    }
}
