//! Bounties (SPEC §31) as they are read: a bounty, a partner's progress
//! toward its goal, and the work partners submit for it.

use super::{Money, Partner, Seen};
use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, loader, page_args, policy};
use crate::graphql::loaders::load_partner;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use entity::{bounty, bounty_submission};
use revshare_core::auth::access::{Column as C, Kind, Rows};
use revshare_core::auth::visible::Visible;
use revshare_core::engagement::bounties as rules;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// What a bounty pays for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BountyKind")]
pub enum BountyType {
    /// A goal reached between its dates: paid once, when it is reached.
    Performance,
    /// A piece of work a partner submits and staff approve.
    Submission,
}

/// What a performance bounty's goal counts, of what the partner earned
/// between the bounty's dates in its currency.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BountyMetric")]
pub enum BountyMetric {
    /// Sales that earned a commission, less those refunded in full.
    Sales,
    /// Those sales' amounts, less what was refunded.
    SaleAmount,
    /// The commissions earned, less their clawbacks.
    CommissionAmount,
    /// Distinct customers of the sales and leads that earned.
    Customers,
}

/// Where a submission is.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BountySubmissionStatus")]
pub enum BountySubmissionStatus {
    /// Kept by its partner, not submitted yet.
    Draft,
    /// Waiting for staff's decision.
    Submitted,
    /// Approved: its `BOUNTY` commission is written.
    Approved,
    /// Rejected, with a reason.
    Rejected,
}

/// Why a submission was rejected.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::enums::BountyRejection")]
pub enum BountyRejectionReason {
    /// The work is not what the bounty asks for.
    NotEligible,
    /// The work's quality is too low.
    LowQuality,
    /// The work was submitted already.
    Duplicate,
    /// The work came outside the bounty's dates.
    OutOfTime,
    /// Another reason, said in the note.
    Other,
}

/// A performance bounty's goal.
#[derive(SimpleObject)]
pub struct BountyGoal {
    /// What is counted.
    pub metric: BountyMetric,
    /// What reaches it: an amount in the bounty's currency, or a count.
    pub value: Decimal,
}

/// A partner's window of a bounty and its progress toward a performance
/// bounty's goal.
#[derive(SimpleObject)]
pub struct BountyProgress {
    /// What it counts so far (the goal's unit).
    pub value: Decimal,
    /// Whether the bounty is won: its reward written and not taken back.
    pub reached: bool,
    /// The reward's `BOUNTY` commission, once won.
    pub commission_id: Option<ID>,
    /// From when the partner's window counts (SPEC §37): the bounty's
    /// `startsAt`, or with `windowDays` the later of it and the partner's
    /// join.
    pub starts_at: DateTime,
    /// Until when (excluded): the bounty's end, or with `windowDays` that
    /// many days on, never past it; null: no end.
    pub ends_at: Option<DateTime>,
    /// Whether the partner's window is open now.
    pub open: bool,
}

/// A bounty (SPEC §31): a reward for reaching a goal or for a piece of
/// work, offered to the partners of its groups.
pub struct Bounty(pub Visible<bounty::Model>);

impl Seen for Bounty {
    type Row = bounty::Model;

    fn made(row: Visible<bounty::Model>) -> Self {
        Bounty(row)
    }

    fn visible(&self) -> &Visible<bounty::Model> {
        &self.0
    }
}

impl Bounty {
    fn row(&self) -> ApiResult<&bounty::Model> {
        self.0.read(C::Row)
    }
}

/// The partner whose progress or submissions a field reads: a partner
/// token's own (another partner: [`Rows::Nothing`]), or the one staff
/// name (none: every partner's).
fn partner_asked(ctx: &Context<'_>, given: Option<&ID>) -> ApiResult<Rows> {
    Ok(policy(ctx)?.partner_rows(given.map(|id| id.as_str())))
}

/// A bounty (SPEC §31): a reward for reaching a goal or for a piece of
/// work, offered to the partners of its groups.
#[Object]
impl Bounty {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// Its name.
    async fn name(&self) -> ApiResult<&str> {
        Ok(&self.row()?.name)
    }

    /// What it asks for.
    async fn description(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.description.as_deref())
    }

    /// What it pays for.
    async fn r#type(&self) -> ApiResult<BountyType> {
        Ok(self.row()?.kind.into())
    }

    /// The groups whose partners it is for (staff; a partner reads none).
    async fn group_ids(&self) -> ApiResult<Vec<ID>> {
        if !self.0.reads(C::Details) {
            return Ok(Vec::new());
        }
        Ok(rules::groups_of(self.row()?)?.into_iter().map(ID).collect())
    }

    /// The tags whose partners it is for beside its groups (SPEC §37;
    /// staff; a partner reads none).
    async fn partner_tags(&self) -> ApiResult<Vec<String>> {
        if !self.0.reads(C::Details) {
            return Ok(Vec::new());
        }
        Ok(rules::tags_of(self.row()?))
    }

    /// Each partner's window in days, from the later of its join and
    /// `startsAt`, in the program's time zone, never past the end; null:
    /// the bounty's own dates.
    async fn window_days(&self) -> ApiResult<Option<i32>> {
        Ok(self.row()?.window_days)
    }

    /// When `endBounty` ended it early; null: not ended.
    async fn ended_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.row()?.ended_at.map(Into::into))
    }

    /// The campaign its rewards are booked in and mature by.
    async fn campaign_id(&self) -> ApiResult<ID> {
        Ok(ID(self.row()?.campaign_id.clone()))
    }

    /// What it pays (an approved submission may be paid another amount).
    async fn reward(&self) -> ApiResult<Money> {
        let row = self.row()?;
        Money::of(row.reward_minor, &row.currency)
    }

    /// From when it counts and takes submissions.
    async fn starts_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.starts_at.into())
    }

    /// Until when (excluded); null: no end.
    async fn ends_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.row()?.ends_at.map(Into::into))
    }

    /// `PERFORMANCE`: the goal that wins it.
    async fn goal(&self) -> ApiResult<Option<BountyGoal>> {
        let row = self.row()?;
        Ok(match (row.goal_metric, row.goal_value) {
            (Some(metric), Some(value)) => Some(BountyGoal {
                metric: metric.into(),
                value: rules::goal_decimal(row, value).into(),
            }),
            _ => None,
        })
    }

    /// `SUBMISSION`: how many submissions a partner may make (a rejected
    /// one frees its place).
    async fn max_submissions(&self) -> ApiResult<Option<i32>> {
        let row = self.row()?;
        Ok((row.kind == entity::enums::BountyKind::Submission).then_some(row.max_submissions))
    }

    /// Whether it counts and takes submissions now, by its own dates (a
    /// partner's window may differ: `progress.open`).
    async fn open(&self) -> ApiResult<bool> {
        Ok(rules::is_open(self.row()?, revshare_core::db::now()))
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.created_at.into())
    }

    /// A partner's window of it (SPEC §37) and, `PERFORMANCE`, its
    /// progress toward the goal (a `SUBMISSION` bounty's value is 0) — a
    /// partner token's own; staff name the partner.
    async fn progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner (staff); a partner token reads its own.")] partner_id: Option<
            ID,
        >,
    ) -> ApiResult<Option<BountyProgress>> {
        let row = self.row()?;
        let partner = match partner_asked(ctx, partner_id.as_ref())? {
            Rows::Partner(partner) => partner,
            Rows::Nothing => return Ok(None),
            Rows::Tenant => return Err(ApiError::bad_input("partnerId", "name the partner")),
        };
        let conn = db(ctx)?.conn();
        let Some(member) =
            revshare_core::directory::partners::find(conn, &row.tenant_id, &partner).await?
        else {
            return Ok(None);
        };
        let zone = rules::zone(conn, &row.tenant_id).await?;
        let window = rules::window(row, member.created_at, zone);
        let value = rules::goal::progress(conn, row, window, &partner).await?;
        let award = revshare_core::reads::standing_award(conn, &row.id, &partner).await?;
        Ok(Some(BountyProgress {
            value: rules::goal_decimal(row, value).into(),
            reached: award.is_some(),
            commission_id: award.map(|a| ID(a.commission_id)),
            starts_at: window.starts_at.into(),
            ends_at: window.ends_at.map(Into::into),
            open: window.is_open(revshare_core::db::now()),
        }))
    }

    /// `SUBMISSION`: its submissions, oldest first — a partner token's
    /// own; staff read every partner's, drafts left out.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn submissions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many from the start, or after `after` (1 to 100, 25 by default).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
        #[graphql(desc = "Only those in this status.")] status: Option<BountySubmissionStatus>,
    ) -> ApiResult<ListConnection<BountySubmission>> {
        let row = self.row()?;
        let policy = policy(ctx)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let rows = policy.list(Kind::BountySubmission, None)?;
        let status = status.map(entity::enums::BountySubmissionStatus::from);
        let select = rules::submissions_of(row, &rows, status);
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                bounty_submission::Column::Id,
            ),
            BountySubmission::for_caller(policy),
        )
        .await
    }
}

/// A partner's work for a `SUBMISSION` bounty.
pub struct BountySubmission(pub Visible<bounty_submission::Model>);

impl Seen for BountySubmission {
    type Row = bounty_submission::Model;

    fn made(row: Visible<bounty_submission::Model>) -> Self {
        BountySubmission(row)
    }

    fn visible(&self) -> &Visible<bounty_submission::Model> {
        &self.0
    }
}

impl BountySubmission {
    fn row(&self) -> ApiResult<&bounty_submission::Model> {
        self.0.read(C::Row)
    }
}

/// A partner's work for a `SUBMISSION` bounty, from draft to decided.
#[Object]
impl BountySubmission {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The bounty it is for.
    async fn bounty(&self, ctx: &Context<'_>) -> ApiResult<Bounty> {
        let row = self.row()?;
        let found = rules::find(db(ctx)?.conn(), &row.tenant_id, &row.bounty_id)
            .await?
            .ok_or_else(|| ApiError::internal("bounty of a submission", &row.bounty_id))?;
        Bounty::shown(ctx, found)
    }

    /// The partner that made it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        let row = self.row()?;
        Partner::shown(ctx, load_partner(&*loader(ctx)?, &row.partner_id).await?)
    }

    /// Where it is.
    async fn status(&self) -> ApiResult<BountySubmissionStatus> {
        Ok(self.row()?.status.into())
    }

    /// The work's URLs.
    async fn urls(&self) -> ApiResult<Vec<String>> {
        ApiError::stored("bounty submission urls", &self.row()?.urls)
    }

    /// What the partner says of it.
    async fn description(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.description.as_deref())
    }

    /// Approved: what it earned.
    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Option<Money>> {
        let row = self.row()?;
        let Some(minor) = row.amount_minor else {
            return Ok(None);
        };
        let bounty = rules::find(db(ctx)?.conn(), &row.tenant_id, &row.bounty_id)
            .await?
            .ok_or_else(|| ApiError::internal("bounty of a submission", &row.bounty_id))?;
        Money::of(minor, &bounty.currency).map(Some)
    }

    /// Rejected: why.
    async fn reason(&self) -> ApiResult<Option<BountyRejectionReason>> {
        Ok(self.row()?.reason.map(Into::into))
    }

    /// What staff said with the decision.
    async fn note(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.note.as_deref())
    }

    /// Approved: its `BOUNTY` commission.
    async fn commission_id(&self) -> ApiResult<Option<ID>> {
        Ok(self.row()?.commission_id.clone().map(ID))
    }

    /// When it was first kept.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.created_at.into())
    }

    /// When it was submitted; null: a draft.
    async fn submitted_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.row()?.submitted_at.map(Into::into))
    }

    /// When it was decided.
    async fn decided_at(&self) -> ApiResult<Option<DateTime>> {
        Ok(self.row()?.decided_at.map(Into::into))
    }
}

/// A page of the tenant's bounties, oldest first: of `group` alone when
/// given.
pub(crate) async fn bounties_of(
    ctx: &Context<'_>,
    member: Option<rules::Member<'_>>,
    first: Option<i32>,
    after: Option<String>,
    kind: Option<BountyType>,
) -> ApiResult<ListConnection<Bounty>> {
    let policy = policy(ctx)?;
    let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
    let kind = kind.map(entity::enums::BountyKind::from);
    let select = rules::list(policy.tenant_id(), member, kind);
    list_connection(
        revshare_core::reads::lists::list(db(ctx)?.conn(), &request, select, bounty::Column::Id),
        Bounty::for_caller(policy),
    )
    .await
}
