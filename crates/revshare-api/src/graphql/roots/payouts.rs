//! Payouts (SPEC §16): payout methods, tax profiles, runs and their files,
//! pending payouts settled, and `markCommissionsPaid` for programs that
//! pay by hand.
//!
//! Who may do what: runs, files and settling payouts need
//! `commissions:write`, reading payouts and runs `commissions:read` (a
//! partner reads its own payouts, never a run); a payout method and a tax
//! profile are set by the partner itself or with `partners:write`, and a
//! tax profile is decided with `partners:write`. A partner naming another
//! partner is answered as if it named none.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, ids, page_args, policy, principal, writer};
use crate::graphql::enums::{PayoutFileFormat, PayoutRunStatus, PayoutStatus};
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{File, LeftOutPayout, Payout, PayoutMethod, PayoutRun, TaxProfile};
use crate::graphql::payouts::{DecideTaxProfileInput, SetPayoutMethodInput, SubmitTaxProfileInput};
use crate::graphql::scalars::Date;
use async_graphql::{Context, ID, InputObject, Object};
use base64::Engine;
use entity::{payout, payout_run};
use revshare_core::auth::Scope;
use revshare_core::auth::visible::Visible;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};
use revshare_core::payouts::runs::RunRequest;
use revshare_core::payouts::seal::DataKey;
use revshare_core::payouts::{
    self, PayoutFilter, by_hand, files, methods, runs, settle, tax_submissions,
};
use revshare_engine::Currency;

/// A run's file that finance did not use.
#[derive(InputObject)]
pub struct WithdrawPayoutRunFileInput {
    /// The run.
    pub run_id: ID,
    /// The file's format: its payouts (those it paid) may be sent by API again.
    pub format: PayoutFileFormat,
}

/// Approved commissions paid by hand, with the payment's reference.
#[derive(InputObject)]
pub struct MarkCommissionsPaidInput {
    /// Approved commissions no pending payout holds.
    pub ids: Vec<ID>,
    /// The payment's reference, kept on each payout.
    pub reference: String,
}

/// What a payout run pays.
#[derive(InputObject)]
pub struct CreatePayoutRunInput {
    /// The last day it pays for, in the tenant's time zone (not after today).
    pub period_end: Date,
    /// Only this currency (omitted: every currency).
    pub currency: Option<String>,
}

/// The partner a payout-method or tax-profile input is about: a partner
/// token's own (naming another is as naming none), or the one staff name.
fn target(ctx: &Context<'_>, given: Option<&ID>, staff_scope: Scope) -> ApiResult<String> {
    let given = given.map(|id| id.as_str());
    policy(ctx)?.input_partner(given, "input.partnerId", staff_scope)
}

/// A service's `NOT_FOUND` for the partner, as the input's error.
fn named_partner(err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound(_) => {
            ApiError::bad_input("input.partnerId", "names no partner of the tenant")
        }
        other => other,
    }
}

#[derive(Default)]
pub struct PayoutQuery;

#[Object]
impl PayoutQuery {
    /// A payout by id; null when there is none the caller may see.
    pub(crate) async fn payout(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payout's id.")] id: ID,
    ) -> ApiResult<Option<Payout>> {
        let policy = policy(ctx)?;
        policy.looks_up(revshare_core::auth::access::Kind::Payout)?;
        let Some(row) = payouts::find(db(ctx)?.conn(), policy.tenant_id(), &id).await? else {
            return Ok(None);
        };
        Ok(Payout::found(policy, row))
    }

    /// The tenant's payouts, oldest first (a partner token: its own).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn payouts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only payouts in this status.")] status: Option<PayoutStatus>,
        #[graphql(desc = "Only payouts to this partner (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(desc = "Only payouts made by this run.")] run_id: Option<ID>,
        #[graphql(desc = "Only payouts in this currency (ISO 4217).")] currency: Option<String>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Payout>> {
        let policy = policy(ctx)?;
        let named = partner_id.as_ref().map(|p| p.as_str());
        let filter = PayoutFilter {
            status: status.map(Into::into),
            run_id: run_id.map(|r| r.0),
            currency,
            ..PayoutFilter::readable(policy, named)?
        };
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = payouts::list(policy.tenant_id(), &filter);
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                payout::Column::Id,
            ),
            Payout::for_caller(policy),
        )
        .await
    }

    /// A payout run by id (`commissions:read`).
    pub(crate) async fn payout_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run's id.")] id: ID,
    ) -> ApiResult<Option<PayoutRun>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::PayoutRun)?;
        let run = payouts::find_run(db(ctx)?.conn(), principal.tenant_id(), &id).await?;
        Ok(run.and_then(PayoutRun::for_caller(policy(ctx)?)))
    }

    /// The tenant's payout runs, oldest first (`commissions:read`).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn payout_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only open runs (a payout pending) or only closed ones.")] status: Option<
            PayoutRunStatus,
        >,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<PayoutRun>> {
        let principal = principal(ctx)?;
        policy(ctx)?.finds(revshare_core::auth::access::Kind::PayoutRun)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let open = status.map(|s| s == PayoutRunStatus::Open);
        let select = payouts::list_runs(principal.tenant_id(), open);
        let conn = db(ctx)?.conn();
        list_connection(
            revshare_core::reads::lists::list(conn, &request, select, payout_run::Column::Id),
            PayoutRun::for_caller(policy(ctx)?),
        )
        .await
    }

    /// The file of a run's pending payouts to hand PayPal or the bank
    /// (`commissions:write`: it holds whole account numbers). PayPal takes
    /// one currency per file: name it when the run pays PayPal in more
    /// than one. The payouts it pays are handed to finance: `sendPayouts`
    /// no longer sends them, unless `withdrawPayoutRunFile` says the file
    /// was not used (a payout paid both ways would be paid twice).
    async fn payout_run_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run whose pending payouts the file pays.")] run_id: ID,
        #[graphql(desc = "PayPal's Payouts CSV or a SEPA credit transfer.")]
        format: PayoutFileFormat,
        #[graphql(
            desc = "The one currency of a PayPal file, needed when the run pays PayPal in more than one."
        )]
        currency: Option<String>,
    ) -> ApiResult<File> {
        let principal = principal(ctx)?;
        principal.require(Scope::CommissionsWrite)?;
        let currency = currency
            .map(|c| checked_currency("currency", &c))
            .transpose()?;
        // Handed to finance: its payouts are no longer sent by API.
        let file = files::hand_over(
            &db(ctx)?.on_primary(),
            principal.tenant_id(),
            &run_id,
            format.into(),
            currency.as_ref().map(Currency::code),
        )
        .await?;
        Ok(File {
            filename: file.filename,
            content_type: file.content_type.to_owned(),
            content: base64::engine::general_purpose::STANDARD.encode(&file.content),
            left_out: file
                .left_out
                .into_iter()
                .map(|(payout, reason)| {
                    Ok(LeftOutPayout {
                        payout: Payout::shown(ctx, payout)?,
                        reason,
                    })
                })
                .collect::<ApiResult<_>>()?,
        })
    }
}

fn checked_currency(field: &str, code: &str) -> ApiResult<Currency> {
    Currency::parse(code).map_err(|e| ApiError::bad_input(field, e.to_string()))
}

#[derive(Default)]
pub struct PayoutMutation;

#[Object]
impl PayoutMutation {
    /// Sets where a partner is paid, replacing its method (the partner
    /// itself, or `partners:write`).
    async fn set_payout_method(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and where it is paid.")] input: SetPayoutMethodInput,
    ) -> ApiResult<PayoutMethod> {
        let principal = principal(ctx)?;
        let partner_id = target(ctx, input.partner_id.as_ref(), Scope::PartnersWrite)?;
        let method = input.method()?;
        crate::graphql::context::forget_reads(ctx)?;
        let row = methods::set(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &partner_id,
            method,
        )
        .await
        .map_err(named_partner)?;
        PayoutMethod::from_row(policy(ctx)?, row).ok_or_else(|| ApiError::not_found("partner"))
    }

    /// Submits a partner's tax profile (the partner itself, or
    /// `partners:write`); it waits for the tenant's decision, and is kept
    /// whatever it is. While the partner's profile is approved, that one
    /// stays in force — its TIN and its payee — until the tenant approves
    /// this submission by its id. The tax id is stored encrypted and never
    /// answered.
    async fn submit_tax_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and its tax form.")] input: SubmitTaxProfileInput,
    ) -> ApiResult<TaxProfile> {
        let principal = principal(ctx)?;
        let partner_id = target(ctx, input.partner_id.as_ref(), Scope::PartnersWrite)?;
        let submission = input.submission(revshare_core::payouts::tax::today_in(
            &principal.tenant.time_zone,
        ))?;
        let key = ctx.data_opt::<DataKey>().ok_or_else(|| {
            ApiError::Conflict(
                "tax profiles are off on this server: it has no key to encrypt tax ids with".into(),
            )
        })?;
        crate::graphql::context::forget_reads(ctx)?;
        let row = tax_submissions::submit(
            db(ctx)?,
            key,
            principal.tenant_id(),
            &partner_id,
            submission,
        )
        .await
        .map_err(named_partner)?;
        Visible::new(policy(ctx)?, row)
            .map(TaxProfile)
            .ok_or_else(|| ApiError::not_found("partner"))
    }

    /// Approves or rejects a submission of a partner's tax profile
    /// (`partners:write`): approved, it is the profile in force.
    async fn decide_tax_profile(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner and the decision.")] input: DecideTaxProfileInput,
    ) -> ApiResult<TaxProfile> {
        let principal = writer(ctx, Scope::PartnersWrite)?;
        let reason = revshare_core::input::optional_text(
            "input.reason",
            input.reason.as_deref(),
            revshare_core::input::MAX_NOTE_CHARS,
        )?;
        let row = tax_submissions::decide(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.partner_id,
            tax_submissions::Decision {
                submission_id: input.submission_id.as_ref().map(|id| id.as_str()),
                approve: input.approve,
                reason,
                confirm_shared_tin: input.confirm_shared_tin.as_ref().map(|id| id.as_str()),
            },
        )
        .await?;
        Visible::new(policy(ctx)?, row)
            .map(TaxProfile)
            .ok_or_else(|| ApiError::not_found("partner"))
    }

    /// Pays everyone owed up to a day: one pending payout per partner and
    /// currency that reaches its minimum; the rest carried over and listed
    /// with the reason (`commissions:write`).
    async fn create_payout_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The last day paid for, and perhaps one currency.")]
        input: CreatePayoutRunInput,
    ) -> ApiResult<PayoutRun> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let request = RunRequest {
            period_end: input.period_end.0,
            currency: input
                .currency
                .map(|c| checked_currency("input.currency", &c))
                .transpose()?,
        };
        let run =
            runs::create(db(ctx)?, principal.tenant_id(), &principal.subject, request).await?;
        Ok(PayoutRun::shown(ctx, run)?)
    }

    /// A pending payout sent: its commissions become `PAID`
    /// (`commissions:write`).
    async fn mark_payout_paid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending payout's id.")] id: ID,
        #[graphql(
            desc = "The payment's reference in the system that sent it (PayPal's batch id, the bank's)."
        )]
        reference: String,
    ) -> ApiResult<Payout> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let paid = settle::mark_paid(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &id,
            &reference,
        )
        .await?;
        Ok(Payout::shown(ctx, paid)?)
    }

    /// The run's file in `format` was not used: its pending payouts may be
    /// sent by API (`sendPayouts`) again (`commissions:write`). Returns
    /// the run; its payouts' `filedAt` are cleared.
    async fn withdraw_payout_run_file(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run and the file's format.")] input: WithdrawPayoutRunFileInput,
    ) -> ApiResult<PayoutRun> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let db = db(ctx)?;
        files::withdraw(
            db,
            principal.tenant_id(),
            &input.run_id,
            input.format.into(),
        )
        .await?;
        let run = payouts::find_run(db.conn(), principal.tenant_id(), &input.run_id)
            .await?
            .ok_or_else(|| ApiError::not_found("payout run"))?;
        Ok(PayoutRun::shown(ctx, run)?)
    }

    /// A pending payout that could not be sent: its commissions go to the
    /// next run (`commissions:write`).
    async fn mark_payout_failed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending payout's id.")] id: ID,
        #[graphql(desc = "Why it could not be sent.")] reason: String,
    ) -> ApiResult<Payout> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let failed = settle::mark_failed(db(ctx)?, principal.tenant_id(), &id, &reason).await?;
        Ok(Payout::shown(ctx, failed)?)
    }

    /// `APPROVED → PAID` now, for programs that pay by hand: one payout per
    /// partner and currency, netting that partner's approved clawbacks.
    async fn mark_commissions_paid(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The approved commissions and the payment's reference.")]
        input: MarkCommissionsPaidInput,
    ) -> ApiResult<Vec<Payout>> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let payouts = by_hand::mark_paid(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &ids(input.ids),
            &input.reference,
        )
        .await?;
        Ok(Payout::all(policy(ctx)?, payouts))
    }
}
