//! Applications to the program (SPEC §20): the public form's submission
//! and confirmation (anonymous), the staff's list and decision.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{client, db, keys, page_args, policy, writer};
use crate::graphql::enums::ApplicationStatus;
use crate::graphql::objects::PartnerApplication;
use crate::graphql::objects::Seen as _;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::partner_application;
use revshare_core::applications::{self, Decision, Form};
use revshare_core::auth::Scope;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A question of the form and its answer.
#[derive(InputObject)]
pub struct ApplicationAnswerInput {
    /// One of the campaign's `applicationQuestions`, as written.
    pub question: String,
    /// Up to 500 characters.
    pub answer: String,
}

/// The public application form.
#[derive(InputObject)]
pub struct SubmitPartnerApplicationInput {
    /// The program's tenant.
    pub tenant_id: ID,
    /// A public, active campaign of it.
    pub campaign_id: ID,
    /// Up to 200 characters.
    pub name: String,
    /// Where the confirmation link is sent.
    pub email: String,
    /// Where the applicant promotes (up to 500 characters).
    pub website: Option<String>,
    /// ISO 3166 alpha-2.
    pub country: Option<String>,
    /// Answers to the campaign's questions (at most 10).
    pub answers: Option<Vec<ApplicationAnswerInput>>,
    /// Leave empty: a field people never see. A form that fills it is a
    /// bot's, and nothing is stored.
    pub website2: Option<String>,
    /// The referral code or link key of the partner who sent the applicant
    /// (the join page's `?via=`): once approved, that partner is its
    /// referrer (SPEC §31). One naming no active partner is ignored.
    pub via: Option<String>,
    /// The language the form was read in (SPEC §38: `en de fr es it nl`):
    /// the partner's, once approved, while the program offers it; none:
    /// the browser's `Accept-Language`, else the program's default.
    pub language: Option<String>,
}

/// The answer to every submission, whatever happened.
#[derive(SimpleObject)]
pub struct SubmitPartnerApplicationPayload {
    /// Always true: whether the address exists, applied before, or is past
    /// a limit is never told. The e-mail says what happens next.
    pub accepted: bool,
}

/// A decision on a pending application.
#[derive(InputObject)]
pub struct DecidePartnerApplicationInput {
    /// The application.
    pub id: ID,
    /// Approve (the partner is made and enrolled) or reject.
    pub approve: bool,
    /// The approved partner's group (omitted: the default group).
    pub group_id: Option<ID>,
    /// Why (up to 1,000 characters); e-mailed with a rejection.
    pub reason: Option<String>,
}

#[derive(Default)]
pub struct ApplicationQuery;

#[Object]
impl ApplicationQuery {
    /// Applications to the program's campaigns, oldest first
    /// (`partners:read`; staff only).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn partner_applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only applications in this status.")] status: Option<ApplicationStatus>,
        #[graphql(desc = "Only applications to this campaign.")] campaign_id: Option<ID>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<PartnerApplication>> {
        let policy = policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::PartnerApplication)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                applications::select(
                    policy.tenant_id(),
                    status.map(Into::into),
                    campaign_id.as_ref().map(|id| id.as_str()),
                ),
                partner_application::Column::Id,
            ),
            PartnerApplication::for_caller(policy),
        )
        .await
    }
}

#[derive(Default)]
pub struct ApplicationMutation;

#[Object]
impl ApplicationMutation {
    /// Applies to a public campaign (anonymous: the join page's form). The
    /// applicant is e-mailed a link to confirm the address; nothing else is
    /// told.
    async fn submit_partner_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The form.")] input: SubmitPartnerApplicationInput,
    ) -> ApiResult<SubmitPartnerApplicationPayload> {
        let form = Form {
            tenant_id: input.tenant_id.0,
            campaign_id: input.campaign_id.0,
            name: input.name,
            email: input.email,
            website: input.website,
            country: input.country,
            answers: input
                .answers
                .unwrap_or_default()
                .into_iter()
                .map(|a| (a.question, a.answer))
                .collect(),
            website2: input.website2,
            via: input.via,
            language: input.language,
            accept_language: crate::graphql::context::accept_language(ctx).map(str::to_owned),
        };
        applications::submit(db(ctx)?, keys(ctx)?, form, client(ctx)).await?;
        Ok(SubmitPartnerApplicationPayload { accepted: true })
    }

    /// Confirms an application's address (anonymous: the link in its
    /// e-mail). Answers the application, to its applicant.
    async fn confirm_partner_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code after `#confirm=` in the link.")] token: String,
    ) -> ApiResult<PartnerApplication> {
        let row = applications::confirm(db(ctx)?, keys(ctx)?, &token).await?;
        Ok(PartnerApplication {
            row: Visible::to_applicant(row),
            applicant: true,
        })
    }

    /// Approves or rejects a confirmed application (`partners:write`).
    async fn decide_partner_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The decision.")] input: DecidePartnerApplicationInput,
    ) -> ApiResult<PartnerApplication> {
        policy(ctx)?.staff(
            Scope::PartnersWrite,
            "applications are decided by the program's staff",
        )?;
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let decision = Decision {
            approve: input.approve,
            group_id: input.group_id.map(|id| id.0),
            reason: input.reason,
        };
        let row = applications::decide(
            db(ctx)?,
            keys(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.id,
            decision,
        )
        .await?;
        PartnerApplication::shown(ctx, row)
    }
}
