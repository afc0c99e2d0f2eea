//! E-mail (SPEC §20): the outbox admins read, a partner's preferences, and
//! the portal's e-mailed sign-in (anonymous).

use crate::graphql::connection::{ListConnection, list_connection};
use crate::graphql::context::{client, db, forget_reads, page_args, policy};
use crate::graphql::enums::{EmailKind, EmailStatus, MailPreference};
use crate::graphql::objects::{Email, EmailPreferences};
use async_graphql::{Context, ID, InputObject, Object};
use entity::email;
use revshare_core::auth::Scope;
use revshare_core::auth::jwt::Keys;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::mail::outbox::{self, EmailFilter};
use revshare_core::mail::preferences::{self, Change};
use revshare_core::paging::{DEFAULT_LIMITS, PageRequest};

#[derive(Default)]
pub struct MailQuery;

/// What the portal's sign-in form shows of a program before anyone signs
/// in (anonymous): its name and the languages it offers.
#[derive(async_graphql::SimpleObject)]
pub struct SignInProgram {
    /// The program's name as the brand set it (else the tenant's).
    pub program_name: String,
    /// The languages it offers, in its order (SPEC §38).
    pub languages: Vec<String>,
    /// The one a reader with none of them reads.
    pub default_language: String,
}

#[Object]
impl MailQuery {
    /// The program the portal's sign-in form signs in to (anonymous): its
    /// name and languages, so a signed-out partner reads the form in the
    /// link's language, else the browser's best offered one (SPEC §38).
    /// Null for a tenant that does not exist. What the join page shows
    /// anyone already.
    async fn sign_in_program(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The program's tenant (`#tenant=` in a portal link).")] tenant_id: ID,
    ) -> ApiResult<Option<SignInProgram>> {
        let Some(tenant) = revshare_core::reads::tenant_named(db(ctx)?.conn(), &tenant_id).await?
        else {
            return Ok(None);
        };
        let offered = revshare_core::languages::Offered::of(&tenant);
        Ok(Some(SignInProgram {
            program_name: revshare_core::tenants::program_name(&tenant).to_owned(),
            languages: offered.languages,
            default_language: offered.default,
        }))
    }

    /// The tenant's e-mails, oldest first (admins and viewers): what was
    /// sent, what waits, what failed and why. With no SMTP server
    /// configured every e-mail stays `QUEUED` here; no e-mail shows a code
    /// it carries.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, None, child_complexity)")]
    async fn emails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only e-mails of this kind.")] kind: Option<EmailKind>,
        #[graphql(desc = "Only e-mails in this status.")] status: Option<EmailStatus>,
        #[graphql(desc = "Only e-mails to or about this partner.")] partner_id: Option<ID>,
        #[graphql(
            desc = "How many items from the start, or after `after` (1 to 100, 50 by default)."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor (`pageInfo.endCursor`): the page starts after it.")]
        after: Option<String>,
    ) -> ApiResult<ListConnection<Email>> {
        let policy = policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::Email)?;
        let filter = EmailFilter {
            kind: kind.map(Into::into),
            status: status.map(Into::into),
            partner_id: partner_id.map(|id| id.0),
        };
        let request = PageRequest::parse(page_args(first, after, None, None), DEFAULT_LIMITS)?;
        list_connection(
            revshare_core::reads::lists::list(
                db(ctx)?.conn(),
                &request,
                outbox::select(policy.tenant_id(), &filter),
                email::Column::Id,
            ),
            |row| Email::seen(policy, row),
        )
        .await
    }
}

/// A change to a partner's e-mail preferences; omitted fields stay.
#[derive(InputObject)]
pub struct UpdateEmailPreferencesInput {
    /// The partner (staff with `partners:write`); a partner token changes
    /// its own and may leave it out.
    pub partner_id: Option<ID>,
    /// Each commission at once, a daily digest, or none.
    pub commission_earned: Option<MailPreference>,
    /// Whether a payout marked paid is e-mailed.
    pub payout_sent: Option<bool>,
    /// Each message from the program at once, a daily digest, or none.
    pub messages: Option<MailPreference>,
}

#[derive(Default)]
pub struct MailMutation;

#[Object]
impl MailMutation {
    /// E-mails a one-time portal sign-in link (15 minutes) to the tenant's
    /// active partner with this address. Anonymous; always `true` after the
    /// same work, whether or not such a partner exists, and nothing is sent
    /// past the limits (5 requests an hour from one client network, 3 links
    /// a day to one e-mail address asked for from one network).
    async fn request_portal_sign_in(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The program's tenant.")] tenant_id: ID,
        #[graphql(desc = "The partner's e-mail address.")] email: String,
        #[graphql(
            desc = "The portal page the link is to open once it signs in (`/payouts/{id}`): the page a signed-out partner's link named (SPEC §38)."
        )]
        to: Option<String>,
    ) -> ApiResult<bool> {
        let email = revshare_core::input::optional_email("email", Some(&email))?
            .ok_or_else(|| ApiError::bad_input("email", "is required"))?;
        let page = to
            .map(|page| revshare_core::portal::checked_page("to", &page))
            .transpose()?;
        let db = db(ctx)?;
        let keys = ctx
            .data::<Keys>()
            .map_err(|_| ApiError::internal("schema data", "no keys"))?;
        // A server that cannot mint sends nothing, to anyone.
        if !keys.can_mint() {
            return Ok(true);
        }
        let sign_ins = ctx
            .data::<revshare_core::portal::SignIns>()
            .map_err(|_| ApiError::internal("schema data", "no sign-in mailer"))?;
        let requested_by = match client(ctx) {
            Some(ip) => {
                match revshare_core::attribution::clicks::hashed_client(
                    db.conn(),
                    &tenant_id,
                    &ip.to_string(),
                )
                .await
                {
                    Ok(hash) => Some(hash),
                    // No such tenant: the same answer, nothing sent.
                    Err(_) => return Ok(true),
                }
            }
            None => None,
        };
        revshare_core::portal::request_sign_in(
            db,
            sign_ins,
            &tenant_id,
            &email,
            page,
            requested_by,
        )
        .await?;
        Ok(true)
    }

    /// Changes what a partner is e-mailed: a partner token its own, staff
    /// with `partners:write` any partner's.
    async fn update_email_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change.")] input: UpdateEmailPreferencesInput,
    ) -> ApiResult<EmailPreferences> {
        let policy = policy(ctx)?;
        let partner_id = policy.input_partner(
            input.partner_id.as_ref().map(|id| id.as_str()),
            "input.partnerId",
            Scope::PartnersWrite,
        )?;
        forget_reads(ctx)?;
        let change = Change {
            commission_earned: input.commission_earned.map(Into::into),
            payout_sent: input.payout_sent,
            messages: input.messages.map(Into::into),
        };
        let tenant_id = policy.tenant_id().to_owned();
        let (preferences, address) = db(ctx)?
            .transaction(|txn| {
                let (tenant_id, partner_id) = (tenant_id.clone(), partner_id.clone());
                Box::pin(async move {
                    let preferences =
                        preferences::update(&*txn, &tenant_id, &partner_id, change).await?;
                    let partner =
                        revshare_core::directory::partners::find(&*txn, &tenant_id, &partner_id)
                            .await?
                            .and_then(|p| p.email);
                    Ok((preferences, partner))
                })
            })
            .await?;
        let suppressed = address
            .as_deref()
            .is_some_and(|address| preferences.suppresses(address));
        Ok(EmailPreferences(preferences, suppressed))
    }
}
