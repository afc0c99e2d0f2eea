//! Fields of e-mails, partners' e-mail preferences and applications.

use super::{Campaign, Email, EmailPreferences, Partner, PartnerApplication, Seen};
use crate::graphql::context::{caller, db, loader, policy};
use crate::graphql::enums::{ApplicationStatus, EmailKind, EmailStatus, MailPreference};
use crate::graphql::loaders::{load_campaign, load_partner};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Object, SimpleObject};
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::mail;

fn settings<'a>(ctx: &Context<'a>) -> ApiResult<&'a mail::Settings> {
    ctx.data::<mail::Settings>()
        .map_err(|_| ApiError::internal("schema data", "no mail settings"))
}

impl Email {
    async fn rendered(&self, ctx: &Context<'_>) -> ApiResult<&mail::content::Rendered> {
        self.1
            .get_or_try_init(|| async {
                mail::send::rendered(db(ctx)?.conn(), settings(ctx)?, self.0.read(C::Row)?).await
            })
            .await
    }
}

/// An e-mail revshare wrote to its outbox (admins read them): to whom,
/// what, and how sending it went.
#[Object]
impl Email {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The address it is sent to.
    async fn to(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.to_address)
    }

    /// What it is.
    async fn kind(&self) -> ApiResult<EmailKind> {
        let row = self.0.read(C::Row)?;
        Ok(row.kind.into())
    }

    /// The language it is written in (SPEC §38): its reader's when it was
    /// queued — an applicant's, a partner's, else the program's default;
    /// English to the staff, and for every message queued before.
    async fn language(&self) -> ApiResult<String> {
        let row = self.0.read(C::Row)?;
        Ok(row
            .language
            .clone()
            .unwrap_or_else(|| revshare_core::languages::DEFAULT.into()))
    }

    /// Its subject, in the program's current name.
    async fn subject(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.rendered(ctx).await?.subject.clone())
    }

    /// Its text part, as sent but for the codes its links carry, each
    /// shown as `…`: they are made as it is sent, and only its recipient
    /// reads them.
    async fn text(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.rendered(ctx).await?.text.clone())
    }

    /// Its HTML part, its codes withheld as in `text`.
    async fn html(&self, ctx: &Context<'_>) -> ApiResult<String> {
        Ok(self.rendered(ctx).await?.html.clone())
    }

    /// Where it is.
    async fn status(&self) -> ApiResult<EmailStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// Attempts made to send it.
    async fn attempts(&self) -> ApiResult<i32> {
        let row = self.0.read(C::Row)?;
        Ok(row.attempts)
    }

    /// What the SMTP server (or the connection to it) said last, when an
    /// attempt failed.
    async fn last_error(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.last_error.as_deref())
    }

    /// The partner it is to or about.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let row = self.0.read(C::Row)?;
        let Some(id) = &row.partner_id else {
            return Ok(None);
        };
        let partner = load_partner(&*loader(ctx)?, id).await?;
        Ok(Partner::seen(policy(ctx)?, partner))
    }

    /// When it was written.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When the SMTP server accepted it.
    async fn sent_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.sent_at.map(Into::into))
    }
}

/// What a partner is e-mailed.
#[Object]
impl EmailPreferences {
    /// Each commission at once (the default), a daily digest, or none.
    async fn commission_earned(&self) -> MailPreference {
        self.0.commission_earned.into()
    }

    /// Whether a payout marked paid is e-mailed (true by default).
    async fn payout_sent(&self) -> bool {
        self.0.payout_sent
    }

    /// Each message from the program at once (the default), a daily
    /// digest, or none (SPEC §35).
    async fn messages(&self) -> MailPreference {
        self.0.messages.into()
    }

    /// Whether notifications are suppressed: the partner's address bounced
    /// permanently (until it changes).
    async fn suppressed(&self) -> bool {
        self.1
    }
}

/// A question of the application form and what the applicant answered.
#[derive(SimpleObject)]
pub struct ApplicationAnswer {
    /// One of the campaign's `applicationQuestions`, as it was asked.
    pub question: String,
    /// What the applicant answered.
    pub answer: String,
}

/// A stranger's application to a public campaign.
#[Object]
impl PartnerApplication {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.row.key().id.clone())
    }

    /// The applicant's name.
    async fn name(&self) -> ApiResult<&str> {
        let row = self.row.read(C::Row)?;
        Ok(&row.name)
    }

    /// The applicant's address (confirmed once `confirmedAt` is set).
    async fn email(&self) -> ApiResult<&str> {
        let row = self.row.read(C::Row)?;
        Ok(&row.email)
    }

    /// Where the applicant promotes.
    async fn website(&self) -> ApiResult<Option<&str>> {
        let row = self.row.read(C::Row)?;
        Ok(row.website.as_deref())
    }

    /// ISO 3166 alpha-2.
    async fn country(&self) -> ApiResult<Option<&str>> {
        let row = self.row.read(C::Row)?;
        Ok(row.country.as_deref())
    }

    /// The applicant's language (SPEC §38): the join page's, else its
    /// browser's best the program offers, else the program's default.
    /// Its partner takes it once approved.
    async fn language(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let row = self.row.read(C::Row)?;
        let chosen = row.language.clone();
        // Read as the tenant is now: once per request for staff (a list
        // of applications asks once), by itself for an applicant
        // confirming, who has no token.
        let tenant = match caller(ctx) {
            Some(_) => loader(ctx)?
                .load_one(crate::graphql::loaders::TenantRow)
                .await?
                .ok_or_else(|| revshare_core::error::ApiError::internal("tenant", "missing"))?,
            None => std::sync::Arc::new(
                revshare_core::reads::tenant(db(ctx)?.conn(), &row.tenant_id).await?,
            ),
        };
        let offered = revshare_core::languages::Offered::of(&tenant);
        Ok(offered.reads(chosen.as_deref()).to_owned())
    }

    /// The campaign applied to.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Option<Campaign>> {
        let (false, Some(policy)) = (self.applicant, caller(ctx)) else {
            return Ok(None);
        };
        let row = self.row.read(C::Row)?;
        let campaign = load_campaign(&*loader(ctx)?, &row.campaign_id).await?;
        Ok(Campaign::seen(policy, campaign))
    }

    /// The campaign's questions and the applicant's answers.
    async fn answers(&self) -> ApiResult<Vec<ApplicationAnswer>> {
        let row = self.row.read(C::Row)?;
        Ok(revshare_core::applications::answers_of(row)?
            .into_iter()
            .map(|(question, answer)| ApplicationAnswer { question, answer })
            .collect())
    }

    /// Where it is.
    async fn status(&self) -> ApiResult<ApplicationStatus> {
        let row = self.row.read(C::Row)?;
        Ok(row.status.into())
    }

    /// The partner approving made.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let (false, Some(policy)) = (self.applicant, caller(ctx)) else {
            return Ok(None);
        };
        let Some(id) = &self.row.read(C::Row)?.partner_id else {
            return Ok(None);
        };
        Ok(Partner::seen(
            policy,
            load_partner(&*loader(ctx)?, id).await?,
        ))
    }

    /// The partner whose code or link the applicant came through
    /// (`?via=`), for the staff who decide it; approving makes it the
    /// recruit's referrer unless it shares the applicant's mailbox.
    async fn referred_by(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let (false, Some(policy)) = (self.applicant, caller(ctx)) else {
            return Ok(None);
        };
        let Some(id) = &self.row.read(C::Row)?.referred_by else {
            return Ok(None);
        };
        Ok(Partner::seen(
            policy,
            load_partner(&*loader(ctx)?, id).await?,
        ))
    }

    /// Whether the applicant's address is its referrer's own mailbox
    /// (`alice+recruit@…`, dots in a Gmail address, look-alike
    /// letters): such an application earns its referrer nothing.
    async fn referrer_shares_mailbox(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (false, Some(_)) = (self.applicant, caller(ctx)) else {
            return Ok(false);
        };
        let row = self.row.read(C::Row)?;
        let Some(id) = &row.referred_by else {
            return Ok(false);
        };
        let referrer = load_partner(&*loader(ctx)?, id).await?;
        Ok(referrer.email.as_deref().is_some_and(|email| {
            revshare_core::mailbox::normalized(email)
                == revshare_core::mailbox::normalized(&row.email)
        }))
    }

    /// Why it was decided as it was, when the staff said.
    async fn reason(&self) -> ApiResult<Option<&str>> {
        let row = self.row.read(C::Row)?;
        Ok(row.reason.as_deref())
    }

    /// When it was sent.
    async fn created_at(&self) -> ApiResult<DateTime> {
        let row = self.row.read(C::Row)?;
        Ok(row.created_at.into())
    }

    /// When its address was confirmed.
    async fn confirmed_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.row.read(C::Row)?;
        Ok(row.confirmed_at.map(Into::into))
    }

    /// When it was approved or rejected.
    async fn decided_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.row.read(C::Row)?;
        Ok(row.decided_at.map(Into::into))
    }
}
