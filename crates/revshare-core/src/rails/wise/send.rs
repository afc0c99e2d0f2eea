//! A run's Wise payouts in one currency, sent to their end: the worker
//! holds every pending one of them (so no other replica touches the run's
//! groups meanwhile) and does what is left, reading what it recorded:
//!
//! 1. each payout without a transfer: its recipient (made once, kept on
//!    the method), the run's open batch group (made and recorded before
//!    any transfer joins it; a new one past [`GROUP_SIZE`]), noted on the
//!    payout before the transfer is asked for, a quote, and the transfer
//!    with the payout's `customerTransactionId` — a retry after a `5xx`,
//!    a `429`, a timeout or a crash sends the same, and Wise answers the
//!    first transfer;
//! 2. a group all of whose payouts have their transfer: completed (its
//!    `version` read back first), then funded from the balance — once:
//!    a refused funding whose transfers moved on was funded before. When
//!    Wise wants the funding approved (SCA), it is signed with the rail's
//!    key; without one, finance funds the group in Wise, and the payouts
//!    wait, `QUEUED`, until their transfers move;
//! 3. each funded payout's transfer read back (`GET /v1/transfers/{id}`)
//!    on the rails' schedule, the webhooks' backstop.

use super::api::{self, Wise};
use crate::db::Db;
use crate::error::ApiResult;
use crate::rails::config::{self, Credentials};
use crate::rails::provider::Answer;
use crate::rails::record::Said;
use crate::rails::{Claim, Settings, record_all};
use entity::enums::{PayoutRail, PayoutStatus, RailStatus};
use entity::{payout, payout_method, wise_batch_group as group};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Most transfers Wise takes in one batch group.
pub const GROUP_SIZE: u64 = 1000;
/// How long one look spends making transfers before it lets the run go
/// (well within the lease); the rest are made by the next look.
const SEND_BUDGET: Duration = Duration::from_secs(15);

/// A group's states, as recorded.
pub const NEW: &str = "NEW";
pub const COMPLETED: &str = "COMPLETED";
pub const FUNDED: &str = "FUNDED";
pub const AWAITING_FUNDING: &str = "AWAITING_FUNDING";

/// What came of a request.
enum Outcome<T> {
    Done(T),
    /// Refused for good: nothing was sent.
    Refused(String),
    /// Not known yet: tried again later.
    Wait(String, Option<Duration>),
}

fn outcome_of<T>(
    answer: Answer,
    what: &str,
    read: impl FnOnce(&serde_json::Value) -> Option<T>,
) -> Outcome<T> {
    match answer {
        Answer::Taken(json) => match read(&json) {
            Some(value) => Outcome::Done(value),
            None => Outcome::Wait(
                format!("Wise answered the {what} without what it needs"),
                None,
            ),
        },
        Answer::Refused(status, json) => Outcome::Refused(api::error_words(what, status, &json)),
        Answer::Unauthorized | Answer::Approval(_) => {
            Outcome::Refused("Wise refused the rail's API token".into())
        }
        Answer::Later(words, after) => Outcome::Wait(words, after),
    }
}

/// One look at a run's payouts in a currency.
struct Look<'a> {
    db: &'a Db,
    settings: &'a Settings,
    wise: Wise<'a>,
    tenant_id: &'a str,
    claim: &'a Claim,
    run_id: &'a str,
    currency: &'a str,
    /// Payouts told when to be looked at again already.
    waited: HashSet<String>,
}

/// Sends, completes, funds and follows the claimed payouts of a run in
/// a currency.
pub async fn step(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    claim: &Claim,
    run_id: &str,
    currency: &str,
) -> ApiResult<()> {
    let Some(rail) = config::open(db.conn(), settings, tenant_id, PayoutRail::Wise).await? else {
        return crate::rails::queue::unsendable(
            db,
            settings,
            tenant_id,
            claim,
            "WISE is no longer configured",
        )
        .await;
    };
    let mut look = Look {
        db,
        settings,
        wise: Wise {
            http: &settings.http,
            rail: &rail,
        },
        tenant_id,
        claim,
        run_id,
        currency,
        waited: HashSet::new(),
    };
    let now = crate::db::now();
    let due: Vec<&payout::Model> = claim
        .payouts
        .iter()
        .filter(|p| p.rail_next_at.is_some_and(|at| at <= now))
        .collect();
    let started = Instant::now();
    for payout in &due {
        if payout.rail_status != Some(RailStatus::Queued) || payout.rail_reference.is_some() {
            continue;
        }
        if started.elapsed() > SEND_BUDGET {
            break;
        }
        look.transfer(payout).await?;
    }
    look.groups(&rail.credentials).await?;
    let due: Vec<&str> = due.iter().map(|p| p.id.as_str()).collect();
    look.follow(&due).await
}

impl Look<'_> {
    async fn wait(
        &mut self,
        ids: &[&str],
        words: &str,
        after: Option<Duration>,
        tries: i32,
    ) -> ApiResult<()> {
        self.waited.extend(ids.iter().map(|id| (*id).to_owned()));
        self.claim
            .later(self.db, self.settings, ids, words, after, tries)
            .await
    }

    async fn fail(&mut self, payout: &payout::Model, words: String) -> ApiResult<()> {
        self.waited.insert(payout.id.clone());
        let mut said = Said::status(RailStatus::Failed);
        said.error = Some(words);
        record_all(
            self.db,
            self.settings,
            self.tenant_id,
            [(payout.id.clone(), said)],
        )
        .await
    }

    /// A refusal before any transfer was asked for fails the payout;
    /// after one may have been made, it waits for Wise to answer that one.
    async fn refused(&mut self, payout: &payout::Model, words: String) -> ApiResult<()> {
        match payout.rail_sends {
            0 => self.fail(payout, words).await,
            sends => self.wait(&[&payout.id], &words, None, sends + 1).await,
        }
    }

    /// The payout's transfer: recipient, group, quote, transfer.
    async fn transfer(&mut self, payout: &payout::Model) -> ApiResult<()> {
        let one = [payout.id.as_str()];
        let tries = payout.rail_sends + 1;
        let account_currency = payout.method_currency.as_deref().unwrap_or_default();
        if account_currency != payout.currency && payout.rail_sends == 0 {
            let words = format!(
                "the partner's Wise account is in {account_currency}, the payout in {}: its commissions go to the next run, paid once the partner has a {} account",
                payout.currency, payout.currency
            );
            return self.fail(payout, words).await;
        }
        let recipient = match self.recipient(payout).await? {
            Outcome::Done(id) => id,
            Outcome::Refused(words) => return self.refused(payout, words).await,
            Outcome::Wait(words, after) => return self.wait(&one, &words, after, tries).await,
        };
        let group = match self.open_group().await? {
            Outcome::Done(group) => group,
            Outcome::Refused(words) => return self.refused(payout, words).await,
            Outcome::Wait(words, after) => return self.wait(&one, &words, after, tries).await,
        };
        // The group is noted before the transfer is asked for: a transfer
        // made but not answered is looked for there.
        self.claim
            .set(
                self.db,
                &one,
                vec![(payout::Column::RailBatch, group.id.clone().into())],
            )
            .await?;
        let quote = self.wise.quote(payout, &recipient).await;
        let quote = match outcome_of(quote, "quote", |json| {
            json["id"].as_str().map(str::to_owned)
        }) {
            Outcome::Done(quote) => quote,
            Outcome::Refused(words) => return self.refused(payout, words).await,
            Outcome::Wait(words, after) => return self.wait(&one, &words, after, tries).await,
        };
        self.claim.count_send(self.db, &one).await?;
        let made = self
            .wise
            .add_transfer(&group.id, payout, &recipient, &quote)
            .await;
        match outcome_of(made, "transfer", |json| api::id_of(&json["id"])) {
            Outcome::Done(transfer) => {
                self.claim
                    .set(
                        self.db,
                        &one,
                        vec![
                            (payout::Column::RailReference, transfer.into()),
                            (payout::Column::RailError, Option::<String>::None.into()),
                        ],
                    )
                    .await
            }
            // A refused transfer fails that payout alone, with Wise's words.
            Outcome::Refused(words) => self.fail(payout, words).await,
            Outcome::Wait(words, after) => self.wait(&one, &words, after, tries).await,
        }
    }

    /// The payout's Wise recipient: the one made for its account, or one
    /// made now and kept on the payout and on its partner's method.
    async fn recipient(&self, payout: &payout::Model) -> ApiResult<Outcome<String>> {
        if let Some(id) = &payout.method_wise_recipient {
            return Ok(Outcome::Done(id.clone()));
        }
        // The partner's method, while it is still the account paid.
        let same_account = || {
            sea_orm::Condition::all()
                .add(payout_method::Column::PartnerId.eq(payout.partner_id.as_str()))
                .add(payout_method::Column::TenantId.eq(self.tenant_id))
                .add(payout_method::Column::Type.eq(entity::enums::PayoutMethodType::Wise))
                .add(eq_or_null(
                    payout_method::Column::Currency,
                    &payout.method_currency,
                ))
                .add(eq_or_null(payout_method::Column::Iban, &payout.method_iban))
                .add(eq_or_null(
                    payout_method::Column::SortCode,
                    &payout.method_sort_code,
                ))
                .add(eq_or_null(
                    payout_method::Column::AccountNumber,
                    &payout.method_account_number,
                ))
                .add(eq_or_null(
                    payout_method::Column::RoutingNumber,
                    &payout.method_routing_number,
                ))
        };
        if let Some(kept) = payout_method::Entity::find()
            .filter(same_account())
            .one(self.db.conn())
            .await?
            .and_then(|m| m.wise_recipient_id)
        {
            self.keep_recipient(payout, &kept).await?;
            return Ok(Outcome::Done(kept));
        }
        let made = self.wise.create_recipient(payout).await;
        let outcome = outcome_of(made, "recipient account", |json| api::id_of(&json["id"]));
        if let Outcome::Done(id) = &outcome {
            self.keep_recipient(payout, id).await?;
            payout_method::Entity::update_many()
                .col_expr(
                    payout_method::Column::WiseRecipientId,
                    Expr::value(id.as_str()),
                )
                .filter(same_account())
                .filter(payout_method::Column::WiseRecipientId.is_null())
                .exec(self.db.conn())
                .await?;
        }
        Ok(outcome)
    }

    async fn keep_recipient(&self, payout: &payout::Model, id: &str) -> ApiResult<()> {
        self.claim
            .set(
                self.db,
                &[&payout.id],
                vec![(payout::Column::MethodWiseRecipient, id.to_owned().into())],
            )
            .await
    }

    /// The run's group in this currency that transfers join: its open one
    /// with room, or one made now and recorded at once.
    async fn open_group(&self) -> ApiResult<Outcome<group::Model>> {
        let of_run = || {
            group::Entity::find()
                .filter(group::Column::TenantId.eq(self.tenant_id))
                .filter(group::Column::RunId.eq(self.run_id))
                .filter(group::Column::Currency.eq(self.currency))
        };
        let groups = of_run()
            .order_by_asc(group::Column::Number)
            .all(self.db.conn())
            .await?;
        for open in groups.iter().filter(|g| g.status == NEW) {
            let joined = sea_orm::PaginatorTrait::count(
                payout::Entity::find()
                    .filter(payout::Column::TenantId.eq(self.tenant_id))
                    .filter(payout::Column::RailBatch.eq(open.id.as_str())),
                self.db.conn(),
            )
            .await?;
            if joined < GROUP_SIZE {
                return Ok(Outcome::Done(open.clone()));
            }
        }
        let number = groups.iter().map(|g| g.number).max().unwrap_or(0) + 1;
        let name = group_name(self.run_id, self.currency, number);
        let made = self.wise.create_group(&name, self.currency).await;
        let id = match outcome_of(made, "batch group", |json| api::id_of(&json["id"])) {
            Outcome::Done(id) => id,
            Outcome::Refused(words) => return Ok(Outcome::Refused(words)),
            Outcome::Wait(words, after) => return Ok(Outcome::Wait(words, after)),
        };
        let row = group::ActiveModel {
            tenant_id: Set(self.tenant_id.to_owned()),
            id: Set(id),
            run_id: Set(self.run_id.to_owned()),
            currency: Set(self.currency.to_owned()),
            name: Set(name),
            number: Set(number),
            status: Set(NEW.to_owned()),
            created_at: Set(crate::db::now()),
            completed_at: Set(None),
            funded_at: Set(None),
        };
        Ok(Outcome::Done(row.insert(self.db.conn()).await?))
    }

    /// Completes and funds each group of the run whose payouts all have
    /// their transfer.
    async fn groups(&mut self, credentials: &Credentials) -> ApiResult<()> {
        let groups = group::Entity::find()
            .filter(group::Column::TenantId.eq(self.tenant_id))
            .filter(group::Column::RunId.eq(self.run_id))
            .filter(group::Column::Currency.eq(self.currency))
            .filter(group::Column::Status.is_in([NEW, COMPLETED]))
            .order_by_asc(group::Column::Number)
            .all(self.db.conn())
            .await?;
        for mut group in groups {
            let members = payout::Entity::find()
                .filter(payout::Column::TenantId.eq(self.tenant_id))
                .filter(payout::Column::RailBatch.eq(group.id.as_str()))
                .all(self.db.conn())
                .await?;
            let pending: Vec<&payout::Model> = members
                .iter()
                .filter(|p| p.status == PayoutStatus::Pending)
                .collect();
            let held: HashSet<&str> = self.claim.payouts.iter().map(|p| p.id.as_str()).collect();
            let ids: Vec<&str> = pending.iter().map(|p| p.id.as_str()).collect();
            if ids.iter().any(|id| !held.contains(id)) {
                // Another look holds some of them: that look goes on.
                continue;
            }
            let tries = pending.iter().map(|p| p.rail_polls).max().unwrap_or(0) + 1;
            if group.status == NEW {
                let unsent = pending.iter().any(|p| p.rail_reference.is_none());
                let transfers = members
                    .iter()
                    .filter(|p| p.rail_reference.is_some())
                    .count();
                if unsent || transfers == 0 {
                    continue;
                }
                match self.complete(&group).await {
                    Outcome::Done(()) => {
                        let mut active: group::ActiveModel = group.clone().into();
                        active.status = Set(COMPLETED.to_owned());
                        active.completed_at = Set(Some(crate::db::now()));
                        group = active.update(self.db.conn()).await?;
                    }
                    Outcome::Refused(words) | Outcome::Wait(words, None) => {
                        self.wait(&ids, &words, None, tries).await?;
                        continue;
                    }
                    Outcome::Wait(words, after) => {
                        self.wait(&ids, &words, after, tries).await?;
                        continue;
                    }
                }
            }
            let funded = self.fund(&group, &pending, credentials).await?;
            let status = match &funded {
                Outcome::Done(true) => FUNDED,
                Outcome::Done(false) => AWAITING_FUNDING,
                _ => COMPLETED,
            };
            if status != COMPLETED {
                let mut active: group::ActiveModel = group.clone().into();
                active.status = Set(status.to_owned());
                if status == FUNDED {
                    active.funded_at = Set(Some(crate::db::now()));
                }
                active.update(self.db.conn()).await?;
            }
            match funded {
                Outcome::Done(true) => {
                    let said = pending
                        .iter()
                        .filter(|p| p.rail_reference.is_some())
                        .map(|p| (p.id.clone(), Said::status(RailStatus::Sent)));
                    record_all(
                        self.db,
                        self.settings,
                        self.tenant_id,
                        said.collect::<Vec<_>>(),
                    )
                    .await?;
                    self.waited.extend(ids.iter().map(|id| (*id).to_owned()));
                }
                Outcome::Done(false) => {
                    let words = format!(
                        "Wise wants the funding of batch group {} approved (SCA): finance funds it in Wise, or the rail is given an scaPrivateKey; followed until its transfers move",
                        group.name
                    );
                    self.wait(&ids, &words, None, tries).await?;
                }
                Outcome::Refused(words) | Outcome::Wait(words, None) => {
                    self.wait(&ids, &words, None, tries).await?;
                }
                Outcome::Wait(words, after) => self.wait(&ids, &words, after, tries).await?,
            }
        }
        Ok(())
    }

    /// `PATCH {status: COMPLETED, version}` with the version read back;
    /// a group Wise completed already is done.
    async fn complete(&self, group: &group::Model) -> Outcome<()> {
        let read = self.wise.group(&group.id).await;
        let (status, version) = match outcome_of(read, "batch group", |json| {
            Some((
                json["status"].as_str()?.to_owned(),
                json["version"].as_i64()?,
            ))
        }) {
            Outcome::Done(found) => found,
            Outcome::Refused(words) => return Outcome::Refused(words),
            Outcome::Wait(words, after) => return Outcome::Wait(words, after),
        };
        if status != NEW {
            return Outcome::Done(());
        }
        let done = self.wise.complete(&group.id, version).await;
        match outcome_of(done, "completion of the batch group", |_| Some(())) {
            // A version gone stale is read again by the next look.
            Outcome::Refused(words) => Outcome::Wait(words, None),
            other => other,
        }
    }

    /// Funds the group from the balance: `Done(true)` funded, `Done(false)`
    /// waiting for finance to approve it in Wise.
    async fn fund(
        &self,
        group: &group::Model,
        pending: &[&payout::Model],
        credentials: &Credentials,
    ) -> ApiResult<Outcome<bool>> {
        let answer = match self.wise.fund(&group.id, None).await {
            Answer::Approval(token) => {
                let key = match credentials {
                    Credentials::Wise {
                        sca_private_key: Some(pem),
                        ..
                    } => super::keys::private_key(pem).ok(),
                    _ => None,
                };
                let Some(key) = key else {
                    return Ok(Outcome::Done(false));
                };
                let Ok(signature) = super::keys::sign(&key, &token) else {
                    return Ok(Outcome::Done(false));
                };
                match self.wise.fund(&group.id, Some((token, signature))).await {
                    Answer::Approval(_) | Answer::Unauthorized => return Ok(Outcome::Done(false)),
                    other => other,
                }
            }
            other => other,
        };
        Ok(match answer {
            Answer::Taken(_) => Outcome::Done(true),
            // Funded by an earlier try whose answer was lost: its
            // transfers moved on.
            Answer::Refused(status, json) => match self.moved_on(pending).await {
                true => Outcome::Done(true),
                false => Outcome::Wait(
                    format!(
                        "{}: the Wise balance may be short; tried again",
                        api::error_words(
                            &format!("funding of batch group {}", group.name),
                            status,
                            &json
                        )
                    ),
                    None,
                ),
            },
            Answer::Unauthorized | Answer::Approval(_) => {
                Outcome::Wait("Wise refused the rail's API token".into(), None)
            }
            Answer::Later(words, after) => Outcome::Wait(words, after),
        })
    }

    /// Whether a transfer of the group left `incoming_payment_waiting`.
    async fn moved_on(&self, pending: &[&payout::Model]) -> bool {
        let Some(transfer) = pending.iter().find_map(|p| p.rail_reference.as_deref()) else {
            return false;
        };
        match self.wise.transfer(transfer).await {
            Answer::Taken(json) => json["status"]
                .as_str()
                .is_some_and(|s| s != "incoming_payment_waiting"),
            _ => false,
        }
    }

    /// Reads back each due payout whose transfer was made: funded, or
    /// waiting for finance to fund it.
    async fn follow(&mut self, due: &[&str]) -> ApiResult<()> {
        let ids: Vec<&str> = due
            .iter()
            .copied()
            .filter(|id| !self.waited.contains(*id))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let payouts = payout::Entity::find()
            .filter(payout::Column::Id.is_in(ids.iter().copied()))
            .filter(payout::Column::Status.eq(PayoutStatus::Pending))
            .order_by_asc(payout::Column::Id)
            .all(self.db.conn())
            .await?;
        let mut looked = Vec::new();
        for payout in &payouts {
            let Some(transfer) = payout.rail_reference.as_deref() else {
                continue;
            };
            match self.wise.transfer(transfer).await {
                Answer::Taken(json) => {
                    if let Some(state) = json["status"].as_str() {
                        super::apply(self.db, self.settings, payout, transfer, state).await?;
                    }
                    looked.push(payout.id.as_str());
                }
                Answer::Later(words, after) => {
                    let tries = payout.rail_polls + 1;
                    self.wait(&[&payout.id], &words, after, tries).await?;
                }
                Answer::Refused(..) | Answer::Unauthorized | Answer::Approval(_) => {
                    let words = format!("Wise would not show transfer {transfer}");
                    let tries = payout.rail_polls + 1;
                    self.wait(&[&payout.id], &words, None, tries).await?;
                }
            }
        }
        self.claim.looked(self.db, self.settings, &looked).await
    }
}

/// A run's `number`th group in a currency: `{runId}-{currency}`, then
/// `{runId}-{currency}-2`, `-3`… (Wise takes names of up to 100
/// characters; a run id is 26).
pub fn group_name(run_id: &str, currency: &str, number: i32) -> String {
    match number {
        1 => format!("{run_id}-{currency}"),
        n => format!("{run_id}-{currency}-{n}"),
    }
}

/// `column = value`, or `column IS NULL` for none.
fn eq_or_null(column: payout_method::Column, value: &Option<String>) -> sea_orm::Condition {
    match value {
        Some(v) => sea_orm::Condition::all().add(column.eq(v.as_str())),
        None => sea_orm::Condition::all().add(column.is_null()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_s_groups_are_named_by_run_currency_and_number() {
        let run = "01KB3Z9X7V6W5T4S3R2Q1P0N9M";
        assert_eq!(group_name(run, "GBP", 1), "01KB3Z9X7V6W5T4S3R2Q1P0N9M-GBP");
        assert_eq!(
            group_name(run, "GBP", 2),
            "01KB3Z9X7V6W5T4S3R2Q1P0N9M-GBP-2"
        );
        assert!(group_name(run, "EUR", 1_000).len() <= 100);
    }
}
