//! Referral codes, clicks, customers and held events (SPEC §15).
//!
//! Who may do what: a partner token creates and archives its own codes and
//! reads its own codes and customers (their e-mails masked); staff manage
//! codes with `partners:write`; clicks and attributions are recorded with
//! `events:write` (what a brand's backend or checkout holds); customers
//! are read with `commissions:read` or `partners:read`; held events with
//! `commissions:read`.

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{db, forget_reads, page_args, policy, writer};
use crate::graphql::enums::EventOutcome;
use crate::graphql::objects::Seen as _;
use crate::graphql::objects::{Click, Customer, Event, ReferralCode, UnattributedEvent};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, InputObject, Object};
use entity::{attribution, event, unattributed_event};
use revshare_core::attribution::clicks::{self, Visit};
use revshare_core::attribution::codes::{self, NewCode};
use revshare_core::attribution::customers::{self, Attribute, By};
use revshare_core::auth::Scope;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

/// A referral code to create.
#[derive(InputObject)]
pub struct CreateReferralCodeInput {
    /// The partner (staff); a partner token omits it: its own.
    pub partner_id: Option<ID>,
    /// Omitted: the default campaign. The partner must be in it.
    pub campaign_id: Option<ID>,
    /// `[a-z0-9][a-z0-9-]{2,63}`, any case, unique per tenant; omitted: 8
    /// generated characters, none that reads as another.
    pub code: Option<String>,
    /// The billing system's promotion code that attributes like this code
    /// (unique per tenant, any case): a coupon two partners share is
    /// refused.
    pub coupon_code: Option<String>,
}

/// A customer moved to another partner (admins).
#[derive(InputObject)]
pub struct ReassignCustomerInput {
    /// The customer's id in your systems.
    pub customer_external_id: String,
    /// The partner it moves to.
    pub partner_id: ID,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// Why, kept in the customer's history.
    pub note: String,
}

/// A visit of a referral link, counted by your own redirect.
#[derive(InputObject)]
pub struct RecordClickInput {
    /// The code whose link was followed.
    pub code: String,
    /// Where the visitor landed.
    pub landing_url: Option<String>,
    /// Kept to 512 bytes.
    pub user_agent: Option<String>,
    /// Stored only as a keyed hash.
    pub ip: Option<String>,
    /// The page the visitor came from (a URL, or its host): traffic the
    /// program ignores (SPEC §37) is refused, and counted as ignored.
    pub referrer: Option<String>,
}

/// What ties a customer to the partner who brought it.
#[derive(InputObject)]
pub struct AttributeCustomerInput {
    /// The customer's id in your systems.
    pub customer_external_id: String,
    /// Exactly one of `clickId`, `code`, `couponCode` and `partnerId`.
    pub click_id: Option<ID>,
    /// A referral code it used.
    pub code: Option<String>,
    /// A referral code's coupon it used at checkout.
    pub coupon_code: Option<String>,
    /// The partner, named by the tenant (`MANUAL`).
    pub partner_id: Option<ID>,
    /// With `partnerId`: omitted, the default campaign.
    pub campaign_id: Option<ID>,
    /// Compared with the partner's own (self-referral is refused).
    pub email: Option<String>,
    /// Omitted: now. A click older than the campaign's attribution window
    /// at this time attributes nothing.
    pub occurred_at: Option<DateTime>,
    /// With `code` only: the page the customer came from. Traffic the
    /// program ignores (SPEC §37) attributes no one new (`CONFLICT`, with
    /// `extensions.reason`); an attribution made already stands.
    pub referrer: Option<String>,
}

impl AttributeCustomerInput {
    fn by(&self) -> ApiResult<By> {
        let given = [
            self.click_id.is_some(),
            self.code.is_some(),
            self.coupon_code.is_some(),
            self.partner_id.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(ApiError::bad_input(
                "input",
                "give exactly one of clickId, code, couponCode and partnerId",
            ));
        }
        if self.campaign_id.is_some() && self.partner_id.is_none() {
            return Err(ApiError::bad_input(
                "input.campaignId",
                "is given with partnerId only (a code names its campaign)",
            ));
        }
        Ok(
            match (
                &self.click_id,
                &self.code,
                &self.coupon_code,
                &self.partner_id,
            ) {
                (Some(click), ..) => By::Click(click.0.clone()),
                (_, Some(code), ..) => By::Code(code.clone()),
                (_, _, Some(coupon), _) => By::Coupon(coupon.clone()),
                (.., Some(partner)) => By::Partner {
                    partner_id: partner.0.clone(),
                    campaign_id: self.campaign_id.as_ref().map(|c| c.0.clone()),
                },
                _ => unreachable!("one was given"),
            },
        )
    }
}

/// Customers are read by their partner and with either of these scopes.

#[derive(Default)]
pub struct AttributionQuery;

#[Object]
impl AttributionQuery {
    /// A customer by its `externalId`; null when there is none the caller
    /// may see.
    pub(crate) async fn customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer's id in your systems.")] external_id: String,
    ) -> ApiResult<Option<Customer>> {
        let policy = policy(ctx)?;
        policy.looks_up(revshare_core::auth::access::Kind::Customer)?;
        let found = customers::find(db(ctx)?.conn(), policy.tenant_id(), &external_id).await?;
        let Some(found) = found else {
            return Ok(None);
        };
        Ok(Customer::found(policy, found))
    }

    /// The tenant's customers, oldest first, of one partner if given; a
    /// partner token lists its own.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this partner's customers (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Customer>> {
        let policy = policy(ctx)?;
        let named = partner_id.as_ref().map(|p| p.as_str());
        let rows = policy.list(revshare_core::auth::access::Kind::Customer, named)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = customers::list(policy.tenant_id(), &rows);
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                attribution::Column::Id,
            ),
            Customer::for_caller(policy),
        )
        .await
    }

    /// The events recorded (sales, leads, deal events), oldest first, each
    /// with its outcome and, when it earned nothing, why: staff with
    /// `commissions:read`; a partner token its own.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this partner's events (a partner token: its own).")]
        partner_id: Option<ID>,
        #[graphql(desc = "Only the events of the customer with this id in your systems.")]
        customer_external_id: Option<String>,
        #[graphql(desc = "Only the events that earned, or only those that earned nothing.")]
        outcome: Option<EventOutcome>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Event>> {
        let policy = policy(ctx)?;
        let named = partner_id.as_ref().map(|p| p.as_str());
        let rows = policy.list(revshare_core::auth::access::Kind::Event, named)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let customer = customer_external_id
            .map(|c| {
                revshare_core::input::required_text(
                    "customerExternalId",
                    &c,
                    revshare_core::input::MAX_EXTERNAL_ID_CHARS,
                )
            })
            .transpose()?;
        let outcome = outcome.map(|o| o == EventOutcome::Earned);
        let select = revshare_core::ledger::events::list(
            policy.tenant_id(),
            &rows,
            customer.as_deref(),
            outcome,
        );
        list_connection(
            revshare_core::reads::lists::list(db(ctx)?.conn(), &request, select, event::Column::Id),
            Event::for_caller(policy),
        )
        .await
    }

    /// Sales and leads held because they named only a customer nobody has
    /// attributed, oldest first (those accrued since are not listed).
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn unattributed_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<UnattributedEvent>> {
        let policy = policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::UnattributedEvent)?;
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        let select = customers::held(policy.tenant_id());
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                select,
                unattributed_event::Column::Id,
            ),
            UnattributedEvent::for_caller(policy),
        )
        .await
    }
}

#[derive(Default)]
pub struct AttributionMutation;

#[Object]
impl AttributionMutation {
    /// Creates a referral code for a partner in a campaign it is in.
    async fn create_referral_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code to create.")] input: CreateReferralCodeInput,
    ) -> ApiResult<ReferralCode> {
        let policy = policy(ctx)?;
        let given = input.partner_id.as_ref().map(|p| p.as_str());
        let partner_id = policy.input_partner(given, "input.partnerId", Scope::PartnersWrite)?;
        forget_reads(ctx)?;
        let new = NewCode {
            partner_id,
            campaign_id: input.campaign_id.map(|c| c.0),
            code: input.code,
            coupon_code: input.coupon_code,
        };
        let made = codes::create(db(ctx)?, policy.tenant_id(), new).await?;
        // Its short link answers at once on this replica.
        if let Ok(links) = ctx.data::<revshare_core::links::Links>() {
            links.changed();
        }
        ReferralCode::shown(ctx, made)
    }

    /// Archives a code: it attributes nothing new; what it attributed
    /// stays.
    async fn archive_referral_code(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The code's id.")] id: ID,
    ) -> ApiResult<ReferralCode> {
        let policy = policy(ctx)?;
        let rows = policy.rows(None, &[Scope::PartnersWrite])?;
        forget_reads(ctx)?;
        let archived = codes::archive(db(ctx)?, policy.tenant_id(), &id, rows.partner()).await?;
        if let Ok(links) = ctx.data::<revshare_core::links::Links>() {
            links.changed();
        }
        Ok(ReferralCode::shown(ctx, archived)?)
    }

    /// Moves a customer to another partner (admins only): its sales recorded
    /// from now on earn for that partner; commissions already written stay
    /// where they are. Kept in `Customer.history` with the note.
    async fn reassign_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer and the partner it moves to.")] input: ReassignCustomerInput,
    ) -> ApiResult<Customer> {
        let policy = policy(ctx)?;
        policy.admin("only an admin reassigns a customer")?;
        let principal = policy.principal();
        forget_reads(ctx)?;
        let new = customers::Reassign {
            customer_external_id: input.customer_external_id,
            partner_id: input.partner_id.0,
            campaign_id: input.campaign_id.map(|c| c.0),
            note: input.note,
        };
        let moved =
            customers::reassign(db(ctx)?, principal.tenant_id(), &principal.subject, new).await?;
        Ok(Customer::shown(ctx, moved)?)
    }

    /// Records a click for a brand that runs its own redirect; an unknown
    /// or archived code is refused. A click past the click-spam threshold
    /// is flagged and not counted, and one its program ignores (SPEC §37)
    /// is counted as ignored only: `CONFLICT` with `extensions.reason`
    /// (`CLICK_SPAM`, `LISTED_DOMAIN`, `SEARCH_AD`, `SEARCH_ENGINE`) —
    /// redirect without a click id or code.
    async fn record_click(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The click.")] input: RecordClickInput,
    ) -> ApiResult<Click> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let visit = Visit {
            landing_url: input.landing_url,
            user_agent: input.user_agent,
            ip: input.ip,
            referrer: input.referrer,
            query: None,
        };
        let (address, agent, referrer, landing) = (
            visit.ip.as_deref().and_then(|ip| ip.trim().parse().ok()),
            visit.user_agent.clone(),
            visit.referrer.clone(),
            visit.landing_url.clone(),
        );
        match clicks::record(db(ctx)?, principal.tenant_id(), &input.code, visit, false).await? {
            Some(clicks::Recorded::Clicked(clicked)) => Ok(Click::shown(ctx, *clicked)?),
            Some(clicks::Recorded::Spam { .. }) => Err(ApiError::Declined {
                message:
                    "not counted: this address passed the click-spam threshold on the partner's links"
                        .into(),
                reason: "CLICK_SPAM",
            }),
            Some(clicks::Recorded::Ignored { reason, code, target }) => {
                let ignored = revshare_core::links::Ignored {
                    reason,
                    address,
                    user_agent: agent,
                    referrer,
                    landing_url: landing.or(target).unwrap_or_default(),
                };
                if let Ok(links) = ctx.data::<revshare_core::links::Links>() {
                    links.queue_ignored(&code, ignored).await?;
                }
                Err(clicks::declined(reason))
            }
            None => Err(ApiError::bad_input("input.code", "no such referral code")),
        }
    }

    /// Ties a customer to a partner, once, and accrues the sales held for
    /// it inside the campaign's attribution window. Again to the same
    /// partner: unchanged. To another: `CONFLICT` for an admin; for a
    /// service token the customer as it is, nothing changed.
    async fn attribute_customer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The customer and what ties it to its partner.")]
        input: AttributeCustomerInput,
    ) -> ApiResult<Customer> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let by = input.by()?;
        let occurred_at = input
            .occurred_at
            .map(|t| t.value("input.occurredAt"))
            .transpose()?;
        let new = Attribute {
            customer_external_id: input.customer_external_id,
            by,
            email: input.email,
            occurred_at,
            referrer: input.referrer,
        };
        let staff = policy(ctx)?.is_admin();
        let attributed = customers::attribute(db(ctx)?, principal.tenant_id(), staff, new).await?;
        Ok(Customer::shown(ctx, attributed.customer)?)
    }
}
