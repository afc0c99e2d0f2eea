//! Deciding a batch's deal events in order, in memory, each against the
//! rows [`super::load`] read and the deals as the events before it left
//! them ([`super::write`] writes what they decided). An event is checked and what it
//! earns computed before anything of it is kept, so a rejected event leaves
//! no trace.

use super::load::Loaded;
use super::{DealItem, What};
use crate::campaigns;
use crate::deals::accrue::{self, Context, Trigger};
use crate::deals::history::{DealHistory, Did};
use crate::deals::moves::{DealEvent, decided, positive_minor};
use crate::engine::plans::DealOptions;
use crate::error::{ApiError, ApiResult};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::ledger::path::{EventRow, exactly_once, occurred_at};
use crate::posting::{self, Posting};
use crate::tiers::book::{Accrued, TierBook};
use chrono::{DateTime, Utc};
use entity::enums::{CampaignStatus, DealStatus, EventKind, PartnerStatus};
use entity::{campaign, commission, deal, deal_stage_reached, event, event_conversion};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::Set;
use std::collections::{BTreeSet, HashMap};

/// A batch being decided: its answers so far and the rows it will write.
pub(super) struct Batch {
    loaded: Loaded,
    now: DateTime<Utc>,
    results: Vec<ApiResult<DealEvent>>,
    /// Events recorded by this batch, by `externalId`: index into results.
    recorded: HashMap<String, usize>,
    events: Vec<event::Model>,
    stages_reached: Vec<deal_stage_reached::ActiveModel>,
    /// Deals to write (each once: one statement can't touch a row twice).
    touched: BTreeSet<String>,
    posting: Posting,
    tiers: TierBook,
    /// How the batch's payments in another currency were converted.
    conversions: Vec<event_conversion::Model>,
}

/// What a new event did to its deal, before it is kept.
struct Decided {
    deal: deal::Model,
    event: event::Model,
    /// Stages reached for the first time.
    newly: Vec<String>,
    announced: NewDomainEvent,
    /// A payment in another currency: how it was converted, and the
    /// converted amount before any rounding (what the plans pay on).
    conversion: Option<(event_conversion::Model, Decimal)>,
    /// What its commissions depend on beyond it, kept on the event.
    history: DealHistory,
}

impl Batch {
    pub fn new(loaded: Loaded, tiers: TierBook, now: DateTime<Utc>) -> Batch {
        Batch {
            loaded,
            now,
            results: Vec::new(),
            recorded: HashMap::new(),
            events: Vec::new(),
            stages_reached: Vec::new(),
            touched: BTreeSet::new(),
            posting: Posting::new(now),
            tiers,
            conversions: Vec::new(),
        }
    }

    /// Decides the next event and keeps its answer.
    pub fn push(&mut self, item: &DealItem) {
        let result = self.evaluate(item);
        if let Ok(found) = &result
            && !found.duplicate
        {
            self.recorded
                .insert(item.external_id.clone(), self.results.len());
        }
        self.results.push(result);
    }

    fn evaluate(&mut self, item: &DealItem) -> ApiResult<DealEvent> {
        let current = self
            .loaded
            .deals
            .get(&item.deal_id)
            .ok_or_else(|| ApiError::bad_input(item.field("dealId"), "no such deal"))?;
        if let Some(found) = self.duplicate(item, current)? {
            return Ok(found);
        }
        // A registration earns nothing until approved; a lost deal does
        // not move.
        decided(current)?;
        if current.status == DealStatus::Lost && matches!(item.what, What::Stage { .. }) {
            return Err(ApiError::Conflict(
                "the deal is LOST: reopen it to move it".into(),
            ));
        }
        let mut decided = self.decide(item, current.clone())?;
        self.remember(&mut decided)?;
        // A lost deal's payment is recorded, and earns and counts nothing.
        if decided.deal.status == DealStatus::Lost {
            return Ok(self.keep(decided, Vec::new()));
        }
        let campaign = self.active_campaign(item, &decided.deal)?;
        // The trigger as a replay reads it back from the event.
        let trigger = decided.history.trigger();
        let earned = self.earned(&decided, &campaign, &trigger)?;
        let commissions = self.post(item, &decided, &campaign, earned)?;
        Ok(self.keep(decided, commissions))
    }

    /// Exactly once: a redelivery, recorded before or earlier in this
    /// batch, answers with the original result and the deal as it is; a
    /// key taken by another payload or deal is `CONFLICT`.
    fn duplicate(&self, item: &DealItem, deal: &deal::Model) -> ApiResult<Option<DealEvent>> {
        let in_batch = self
            .recorded
            .get(&item.external_id)
            .and_then(|index| self.results.get(*index)?.as_ref().ok())
            .map(|first| (&first.event, first.commissions.as_slice()));
        let same = |event: &event::Model| {
            event.payload == item.payload && event.deal_id.as_deref() == Some(deal.id.as_str())
        };
        let first = exactly_once(&item.external_id, &self.loaded.existing, in_batch, same)?;
        Ok(first.map(|(event, commissions)| DealEvent {
            event: event.clone(),
            deal: deal.clone(),
            commissions: commissions.to_vec(),
            duplicate: true,
        }))
    }

    /// The event and the deal after it, checked.
    fn decide(&self, item: &DealItem, mut deal: deal::Model) -> ApiResult<Decided> {
        let occurred_at = occurred_at(item.occurred_at, self.now);
        let mut event = EventRow {
            tenant_id: &deal.tenant_id,
            external_id: &item.external_id,
            partner_id: &deal.partner_id,
            campaign_id: &deal.campaign_id,
            kind: EventKind::DealStage,
            amount_minor: deal.amount_minor,
            currency: &deal.currency,
            occurred_at,
            payload: &item.payload,
            recorded_at: self.now,
        }
        .build();
        event.deal_id = Some(deal.id.clone());
        deal.updated_at = self.now;
        match &item.what {
            What::Stage { stage_id, .. } => self.reach(item, stage_id, deal, event),
            What::Payment { amount, currency } => {
                self.pay(item, *amount, currency.as_deref(), deal, event)
            }
        }
    }

    /// Keeps on the event what its commissions depend on beyond it (for a
    /// replay): the deal's terms version and values, what it did to the
    /// deal, and whether the deal could earn.
    fn remember(&self, decided: &mut Decided) -> ApiResult<()> {
        let deal = &decided.deal;
        let did = match decided.event.kind {
            EventKind::DealPayment => Did::Payment {
                count: deal.payment_count,
                reached: self
                    .loaded
                    .reached
                    .get(&deal.id)
                    .cloned()
                    .unwrap_or_default(),
            },
            _ => Did::Stages {
                reached: decided.newly.clone(),
            },
        };
        let history = DealHistory {
            terms: deal.terms_version,
            options: self
                .loaded
                .options
                .get(&deal.id)
                .cloned()
                .unwrap_or_default(),
            did,
        };
        decided.event.history_deal = Some(history.encode()?);
        decided.event.history_earns = Some(deal.status != DealStatus::Lost);
        decided.history = history;
        Ok(())
    }

    /// A stage move: the stages newly reached, the deal won if one of them
    /// is a won stage.
    fn reach(
        &self,
        item: &DealItem,
        stage_id: &str,
        mut deal: deal::Model,
        mut event: event::Model,
    ) -> ApiResult<Decided> {
        let stage = self
            .loaded
            .stage(stage_id)
            .ok_or_else(|| ApiError::bad_input(item.field("stageId"), "no such deal stage"))?;
        if stage.archived_at.is_some() {
            return Err(ApiError::bad_input(
                item.field("stageId"),
                "the stage is archived",
            ));
        }
        // An archived stage is out of the pipeline: passing its
        // position reaches nothing.
        let newly: Vec<String> = self
            .loaded
            .stages
            .iter()
            .filter(|s| s.archived_at.is_none())
            .filter(|s| s.position > deal.reached_position && s.position <= stage.position)
            .map(|s| s.id.clone())
            .collect();
        event.stage_id = Some(stage.id.clone());
        deal.stage_id = stage.id.clone();
        deal.reached_position = Ord::max(deal.reached_position, stage.position);
        if newly
            .iter()
            .any(|id| self.loaded.stage(id).is_some_and(|s| s.is_won))
        {
            deal.status = DealStatus::Won;
        }
        let data = serde_json::json!({
            "eventId": event.id,
            "stageId": stage.id,
            "stageName": stage.name,
            "stagesReached": newly,
            "status": deal.status.as_str(),
        });
        let announced = announce(&deal, &event, DomainEventType::DealStageChanged, data);
        Ok(Decided {
            deal,
            event,
            newly,
            announced,
            conversion: None,
            history: DealHistory::default(),
        })
    }

    /// A payment: the deal's payments counted, the amount checked in its
    /// currency (omitted: the deal's amount), or converted from another at
    /// the rate of its day.
    fn pay(
        &self,
        item: &DealItem,
        amount: Option<Decimal>,
        given: Option<&str>,
        mut deal: deal::Model,
        mut event: event::Model,
    ) -> ApiResult<Decided> {
        let field = item.field("amount");
        let currency = campaigns::check_currency(&field, &deal.currency)?;
        let mut conversion = None;
        match given {
            Some(code) if code != deal.currency => {
                let currency_field = item.field("currency");
                let own = campaigns::check_currency(&currency_field, code)?;
                let amount = amount.ok_or_else(|| {
                    ApiError::bad_input(&field, "is required with a currency other than the deal's")
                })?;
                let sale_minor = positive_minor(&field, amount, own)?;
                let day = crate::fx::day_of(event.occurred_at);
                let found = self.loaded.rates.cross(code, &deal.currency, day).ok_or_else(|| {
                    ApiError::bad_input(
                        &currency_field,
                        format!(
                            "no exchange rate from {code} to {} on or within 7 days before {day}: import one, then send the payment again",
                            deal.currency
                        ),
                    )
                })?;
                let out_of_range = || ApiError::bad_input(&field, "is out of range once converted");
                let exact = found.cross.convert(amount).ok_or_else(out_of_range)?;
                event.amount_minor =
                    crate::engine::fx::converted_minor(found.cross, amount, currency)
                        .ok_or_else(out_of_range)?;
                let row = event_conversion::Model {
                    event_id: event.id.clone(),
                    tenant_id: event.tenant_id.clone(),
                    sale_amount_minor: sale_minor,
                    sale_currency: code.to_owned(),
                    base_per_eur: found.cross.base.to_string(),
                    quote_per_eur: found.cross.quote.to_string(),
                    day: found.day,
                    source: found.source,
                    refunded_sale_minor: 0,
                };
                conversion = Some((row, exact));
            }
            _ => {
                if let Some(amount) = amount {
                    event.amount_minor = positive_minor(&field, amount, currency)?;
                }
            }
        }
        event.kind = EventKind::DealPayment;
        deal.payment_count += 1;
        let data = serde_json::json!({
            "eventId": event.id,
            "amount": currency.from_minor(event.amount_minor).to_string(),
            "currency": event.currency,
            "paymentCount": deal.payment_count,
        });
        let kind = DomainEventType::DealPaymentRecorded;
        let announced = announce(&deal, &event, kind, data);
        Ok(Decided {
            deal,
            event,
            newly: Vec::new(),
            announced,
            conversion,
            history: DealHistory::default(),
        })
    }

    /// The deal's campaign, which must still accept events, as must its
    /// partner.
    fn active_campaign(&self, item: &DealItem, deal: &deal::Model) -> ApiResult<campaign::Model> {
        let field = item.field("dealId");
        let partner = self
            .loaded
            .partners
            .get(&deal.partner_id)
            .ok_or_else(|| ApiError::internal("deal partner", &deal.partner_id))?;
        if partner.status != PartnerStatus::Active {
            return Err(ApiError::bad_input(
                field,
                "the deal's partner is not active",
            ));
        }
        let campaign = self
            .loaded
            .campaigns
            .get(&deal.campaign_id)
            .ok_or_else(|| ApiError::internal("deal campaign", &deal.campaign_id))?;
        if campaign.status != CampaignStatus::Active {
            return Err(ApiError::bad_input(
                field,
                "the deal's campaign is not active",
            ));
        }
        Ok(campaign.clone())
    }

    /// What the deal's plans in force pay for `trigger`, its spiffs to the
    /// tenant's own people marked.
    fn earned(
        &self,
        decided: &Decided,
        campaign: &campaign::Model,
        trigger: &Trigger,
    ) -> ApiResult<Vec<posting::NewCommission>> {
        let deal = &decided.deal;
        let Some(plans) = self.loaded.plans.get(&deal.id) else {
            return Ok(Vec::new());
        };
        let snapshot = self.loaded.snapshot(&deal.partner_id, &campaign.id);
        let none = DealOptions::default();
        let context = Context {
            deal,
            event_id: &decided.event.id,
            amount_minor: decided.event.amount_minor,
            at: decided.event.occurred_at,
            currency: campaigns::check_currency("currency", &deal.currency)?,
            options: self.loaded.options.get(&deal.id).unwrap_or(&none),
            holdback_days: snapshot
                .and_then(|s| s.holdback_days)
                .or(campaign.holdback_days),
            snapshot_id: snapshot.map(|s| s.id.clone()),
            exact_base: decided.conversion.as_ref().map(|(_, exact)| *exact),
        };
        let mut earned = accrue::commissions(&context, plans, trigger)?;
        for row in earned.iter_mut().filter_map(|r| r.deal.as_mut()) {
            row.staff = row
                .recipient_id
                .as_ref()
                .is_some_and(|id| self.loaded.staff.contains(id));
        }
        Ok(earned)
    }

    /// The commissions as the tenant's tiers leave them (the event counts
    /// toward the tiers whatever it earns), posted through the tier book.
    fn post(
        &mut self,
        item: &DealItem,
        decided: &Decided,
        campaign: &campaign::Model,
        earned: Vec<posting::NewCommission>,
    ) -> ApiResult<Vec<commission::Model>> {
        let (deal, event) = (&decided.deal, &decided.event);
        let currency = campaigns::check_currency("currency", &deal.currency)?;
        let amount_field = item.amount_field();
        let earned = accrue::earnings(earned);
        let accrued = Accrued {
            partner_id: &deal.partner_id,
            campaign_id: &campaign.id,
            event_id: &event.id,
            currency,
            at: event.occurred_at,
            sale: event.kind == EventKind::DealPayment,
            amount_minor: event.amount_minor,
            revenue_minor: None,
            amount_field: &amount_field,
            limit: None,
        };
        self.tiers.post(&mut self.posting, &accrued, earned)
    }

    /// Keeps a decided event: its rows to write, and its deal as the next
    /// event of the batch finds it.
    fn keep(&mut self, decided: Decided, commissions: Vec<commission::Model>) -> DealEvent {
        let Decided {
            deal,
            mut event,
            newly,
            announced,
            conversion,
            ..
        } = decided;
        if let Some((row, _)) = conversion {
            self.conversions.push(row);
        }
        if commissions.is_empty() {
            event.nothing_reason = Some(
                match deal.status {
                    DealStatus::Lost => "the deal is lost: it earns nothing until it is reopened",
                    _ => "no entry of the deal's commission plans pays on this event",
                }
                .to_owned(),
            );
        }
        let reached = self.loaded.reached.entry(deal.id.clone()).or_default();
        for stage_id in newly {
            reached.insert(stage_id.clone(), deal.payment_count);
            self.stages_reached.push(deal_stage_reached::ActiveModel {
                deal_id: Set(deal.id.clone()),
                stage_id: Set(stage_id),
                tenant_id: Set(deal.tenant_id.clone()),
                payments_before: Set(deal.payment_count),
                event_id: Set(event.id.clone()),
                reached_at: Set(event.occurred_at),
            });
        }
        self.loaded.deals.insert(deal.id.clone(), deal.clone());
        self.touched.insert(deal.id.clone());
        self.events.push(event.clone());
        self.posting.announce_first(&deal.tenant_id, announced);
        DealEvent {
            event,
            deal,
            commissions,
            duplicate: false,
        }
    }

    /// What the batch decided: its answers and the rows to write.
    pub fn finish(self) -> Decisions {
        let Batch {
            mut loaded,
            results,
            events,
            stages_reached,
            touched,
            posting,
            tiers,
            conversions,
            ..
        } = self;
        let deals = touched
            .iter()
            .filter_map(|id| loaded.deals.remove(id))
            .map(deal::ActiveModel::from)
            .collect();
        Decisions {
            results,
            events,
            stages_reached,
            deals,
            posting,
            tiers,
            conversions,
        }
    }
}

/// A decided batch: each event's answer, and the rows they leave.
pub(super) struct Decisions {
    pub results: Vec<ApiResult<DealEvent>>,
    pub events: Vec<event::Model>,
    pub stages_reached: Vec<deal_stage_reached::ActiveModel>,
    /// The deals the events changed, each once.
    pub deals: Vec<deal::ActiveModel>,
    pub posting: Posting,
    pub tiers: TierBook,
    /// How its payments in another currency were converted.
    pub conversions: Vec<event_conversion::Model>,
}

/// The domain event of a deal event.
fn announce(
    deal: &deal::Model,
    event: &event::Model,
    kind: DomainEventType,
    data: serde_json::Value,
) -> NewDomainEvent {
    NewDomainEvent {
        kind,
        occurred_at: event.occurred_at,
        partner_id: Some(deal.partner_id.clone()),
        subject_id: deal.id.clone(),
        data,
    }
}
