//! The `demo` tenant that a development start-up provisions, so a newcomer's
//! first query has something to show: three groups (seed 000's examples), a
//! few partners and categories, a sales pipeline with a custom field,
//! contacts, one commission plan of each kind and a deal in progress,
//! seed 004's SilverCommission tier, and for the sample partner (Northwind)
//! a referral code, sales, approvals and payouts for its portal to show.

use crate::db::Db;
use crate::deals::{deal, pipeline as dp, plans as dplans, workflow};
use crate::directory::categories;
use crate::directory::groups::{self, NewGroup};
use crate::directory::partners::{self, NewPartner, PartnerStatus, PartnerType};
use crate::engine::plans::{
    Calculation, Entries, Entry, OneOff, PeriodRate, PlanValue, Recurring, Scaling, ScalingTier,
};
use crate::engine::tiers::{Action, Metrics, Modifier, TierTerms};
use crate::engine::{Rule, RuleEntry, RuleSet};
use crate::error::{ApiError, ApiResult};
use crate::ledger::accrual::PartnerRef;
use crate::tenants;
use entity::enums::{AutoAssignRecipient, PaymentTarget, TierPeriod, TierStatus};
use entity::partner;
use rust_decimal::Decimal;

pub const DEMO_TENANT: &str = "demo";
/// Who the development banner's console link signs in.
pub const DEMO_STAFF_EMAIL: &str = "developer@demo.example";

fn rule(rule: Rule, description: &str) -> RuleEntry {
    RuleEntry {
        rule,
        description: Some(description.to_owned()),
        description_translations: Vec::new(),
    }
}

/// Creates the demo tenant unless it exists; returns whether it was created.
pub async fn provision(db: &Db) -> ApiResult<bool> {
    if tenants::find(db.conn(), DEMO_TENANT).await?.is_some() {
        return Ok(false);
    }
    let created = tenants::create(
        db,
        tenants::NewTenant {
            id: DEMO_TENANT.into(),
            name: Some("Demo Brand".into()),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        },
    )
    .await;
    match created {
        Ok(_) => {}
        // Another replica starting at the same moment created it first, and
        // provisions the rest.
        Err(ApiError::Conflict(_)) => return Ok(false),
        Err(err) => return Err(err),
    }

    let managed = groups::create(
        db,
        DEMO_TENANT,
        NewGroup {
            name: "Standard Managed Agency".into(),
            description: Some("Group for high-performance managed agencies.".into()),
            external_id: Some("P-GROUP-ADVANCED".into()),
            tags: vec!["managed".into(), "high-volume".into()],
            is_default: false,
            rules: RuleSet::new(vec![
                rule(
                    Rule::NewCustomerTimeTier {
                        max_months: 12,
                        percentage: Decimal::new(50, 0),
                    },
                    "Introductory 12-month high-incentive tier.",
                ),
                rule(
                    Rule::Recurring {
                        percentage: Decimal::new(15, 0),
                        max_months: None,
                    },
                    "Standard recurring commission (post-time-tier).",
                ),
                rule(
                    Rule::PartnerLtvUpgrade {
                        min_ltv_total: Decimal::new(10_000, 0),
                        upgrade_percentage: Decimal::new(5, 0),
                    },
                    "LTV performance bonus (threshold: 10,000).",
                ),
            ])
            .expect("demo rules are valid"),
        },
    )
    .await?;
    let performance = groups::create(
        db,
        DEMO_TENANT,
        NewGroup {
            name: "Performance Agencies".into(),
            description: Some("Tier for high-volume agencies".into()),
            external_id: Some("P-GROUP-PERF".into()),
            tags: vec!["managed".into(), "performance".into()],
            is_default: false,
            rules: RuleSet::new(vec![
                rule(
                    Rule::NewCustomerTimeTier {
                        max_months: 6,
                        percentage: Decimal::new(30, 0),
                    },
                    "30 % for a customer's first six months.",
                ),
                rule(
                    Rule::Recurring {
                        percentage: Decimal::new(12, 0),
                        max_months: None,
                    },
                    "12 % after.",
                ),
            ])
            .expect("demo rules are valid"),
        },
    )
    .await?;
    let saas = categories::create(db, DEMO_TENANT, "SaaS").await?;
    let agency = categories::create(db, DEMO_TENANT, "Agency").await?;

    let partners = [
        (
            "Northwind Digital",
            "hello@northwind.example",
            PartnerType::Reseller,
            Some(&managed.id),
            vec![agency.id.clone()],
        ),
        (
            "Contoso Growth",
            "team@contoso.example",
            PartnerType::Referral,
            Some(&performance.id),
            vec![saas.id.clone(), agency.id.clone()],
        ),
        (
            "Fabrikam Partners",
            "partners@fabrikam.example",
            PartnerType::Distributor,
            None,
            vec![saas.id.clone()],
        ),
    ];
    let mut created = Vec::new();
    for (name, email, partner_type, group_id, category_ids) in partners {
        let partner = partners::create(
            db,
            DEMO_TENANT,
            NewPartner {
                name: name.into(),
                email: Some(email.into()),
                external_id: None,
                partner_type,
                status: PartnerStatus::Active,
                group_id: group_id.cloned(),
                category_ids,
                country: None,
                tags: Vec::new(),
                language: None,
            },
        )
        .await?;
        created.push(partner);
    }
    pipeline(db, &created[0]).await?;
    silver_tier(db).await?;
    sample_activity(db, &created[0]).await?;
    Ok(true)
}

/// The partner the portal link printed at start-up signs in: Northwind.
pub const SAMPLE_PARTNER_EMAIL: &str = "hello@northwind.example";

/// The sample partner's program so far, so that its portal has something
/// to show: a referral code, sales over the last five months (the older
/// ones approved), a PayPal account, a paid payout with its statement and
/// a pending one.
async fn sample_activity(db: &Db, partner: &partner::Model) -> ApiResult<()> {
    use crate::ledger::accrual::{self, Item, NewConversion};
    crate::attribution::codes::create(
        db,
        DEMO_TENANT,
        crate::attribution::codes::NewCode {
            partner_id: partner.id.clone(),
            campaign_id: None,
            code: Some("northwind".into()),
            coupon_code: None,
        },
    )
    .await?;
    let now = crate::db::now();
    let sales = [
        (140, 1_200),
        (110, 800),
        (80, 1_500),
        (50, 950),
        (20, 2_100),
        (3, 600),
    ];
    let items = sales
        .iter()
        .enumerate()
        .map(|(i, (days_ago, amount))| {
            Item::new(
                "demo",
                NewConversion {
                    external_id: format!("DEMO-SALE-{}", i + 1),
                    partner: Some(PartnerRef::Id(partner.id.clone())),
                    campaign_id: None,
                    customer_external_id: Some(format!("demo-customer-{}", i % 3 + 1)),
                    customer_acquired_at: None,
                    kind: crate::engine::EventKind::Sale,
                    amount: Decimal::new(*amount, 0),
                    currency: None,
                    occurred_at: Some(now - chrono::Duration::days(*days_ago)),
                    revenue: None,
                    metadata: None,
                    lines: Vec::new(),
                    customer: None,
                },
            )
        })
        .collect();
    let mut earned = Vec::new();
    for answer in accrual::record_batch(db, DEMO_TENANT, items).await? {
        earned.extend(answer?.commissions.into_iter().map(|c| c.id));
    }
    crate::ledger::transitions::approve(db, DEMO_TENANT, "demo", &earned[..earned.len().min(4)])
        .await?;
    crate::payouts::methods::set(
        db,
        DEMO_TENANT,
        "demo",
        &partner.id,
        crate::payouts::methods::Method::Paypal {
            email: "payouts@northwind.example".into(),
        },
    )
    .await?;
    // Paid: the first two months; pending: the next.
    for (days_ago, reference) in [(100, Some("PAYPAL-DEMO-1")), (60, None)] {
        let run = crate::payouts::runs::create(
            db,
            DEMO_TENANT,
            "demo",
            crate::payouts::runs::RunRequest {
                period_end: (now - chrono::Duration::days(days_ago)).date_naive(),
                currency: None,
            },
        )
        .await?;
        let payouts = crate::payouts::runs::payouts_of(db.conn(), DEMO_TENANT, &run.id).await?;
        if let (Some(reference), Some(payout)) = (reference, payouts.first()) {
            crate::payouts::settle::mark_paid(db, DEMO_TENANT, "demo", &payout.id, reference)
                .await?;
        }
    }
    Ok(())
}

/// The demo's public campaign strangers apply to (made the first time it is
/// asked for, so an older demo database gets one too): its id, for the
/// join page's address the development start-up prints.
pub async fn join_campaign(db: &Db) -> ApiResult<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let found = entity::campaign::Entity::find()
        .filter(entity::campaign::Column::TenantId.eq(DEMO_TENANT))
        .filter(entity::campaign::Column::Visibility.eq(crate::campaigns::Visibility::Public))
        .filter(entity::campaign::Column::Status.eq(crate::campaigns::CampaignStatus::Active))
        .one(db.conn())
        .await?;
    if let Some(campaign) = found {
        return Ok(campaign.id);
    }
    let created = crate::campaigns::create(
        db,
        DEMO_TENANT,
        crate::campaigns::NewCampaign {
            name: "Spring referrals".into(),
            description: Some("Recommend Demo Brand to the people you know.".into()),
            description_translations: None,
            currency: crate::engine::Currency::parse("USD")
                .map_err(|e| ApiError::internal("demo currency", e))?,
            rules: Some(
                RuleSet::new(vec![RuleEntry {
                    rule: Rule::Recurring {
                        percentage: Decimal::new(20, 0),
                        max_months: Some(12),
                    },
                    description: None,
                    description_translations: Vec::new(),
                }])
                .map_err(|e| ApiError::internal("demo rules", e.message))?,
            ),
            holdback_days: Some(30),
            visibility: crate::campaigns::Visibility::Public,
            status: crate::campaigns::CampaignStatus::Active,
            landing_url: None,
            attribution_window_days: None,
            application_questions: vec!["Where will you promote Demo Brand?".into()],
            auto_approve_applications: false,
            allow_paid_ads: true,
            traffic_sources: None,
        },
    )
    .await?;
    Ok(created.id)
}

/// A one-time sign-in link's path to the portal for the sample partner,
/// valid a day: what the development start-up prints.
pub async fn sample_portal_path(db: &Db, keys: &crate::auth::jwt::Keys) -> ApiResult<String> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let partner = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(DEMO_TENANT))
        .filter(partner::Column::Email.eq(SAMPLE_PARTNER_EMAIL))
        .one(db.conn())
        .await?
        .ok_or_else(|| ApiError::not_found("sample partner"))?;
    let (link, language) =
        crate::portal::create_link(db, keys, DEMO_TENANT, "demo", &partner.id, 24 * 60).await?;
    Ok(crate::portal::link_path(&link.code, DEMO_TENANT, &language))
}

/// Seed 004's SilverCommission, monthly, on every partner's events in the
/// default campaign: ten sales and 121 of revenue in a month make every
/// further sale pay 10 % more, and the month's earlier ones 5 more each.
async fn silver_tier(db: &Db) -> ApiResult<()> {
    let campaign = crate::campaigns::default_campaign(db.conn(), DEMO_TENANT).await?;
    let modifier = |action, value| {
        Some(Modifier {
            action,
            value: Decimal::new(value, 0),
        })
    };
    let terms = TierTerms::new(TierTerms {
        payout: modifier(Action::Increase, 10),
        revenue: modifier(Action::Decrease, 6),
        retroactive_payout: modifier(Action::FlatIncrease, 5),
        retroactive_revenue: None,
        goals: Metrics {
            revenue: Decimal::new(121, 0),
            conversions: 10,
            ..Metrics::default()
        },
        maxima: Metrics {
            revenue: Decimal::new(1000, 0),
            ..Metrics::default()
        },
    })
    .expect("the demo tier is valid");
    let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    crate::tiers::create(
        db,
        DEMO_TENANT,
        crate::tiers::NewTier {
            name: "SilverCommission".into(),
            notes: Some("Monthly payement".into()),
            status: TierStatus::Active,
            start_date: date(2020, 1, 1),
            end_date: date(2099, 12, 31),
            period: TierPeriod::Monthly,
            apply_to_all_partners: true,
            partner_ids: Vec::new(),
            campaign_ids: vec![campaign.id],
            terms,
            bonus: None,
            promote_to_group_id: None,
        },
    )
    .await?;
    Ok(())
}

fn value(text: &str) -> PlanValue {
    PlanValue::parse(text, 6).expect("demo values are valid")
}

fn one_off(text: &str) -> OneOff {
    OneOff {
        value: value(text),
        scaling: None,
    }
}

/// Stages ("Closed won" wins), a "Deal size" field, two contacts, a plan
/// of each kind — a one-off, a recurring share, a split with period rates
/// and scaling, a spiff — one deal of the reseller, at "Proposal", and one
/// it registered, waiting for the tenant's decision.
async fn pipeline(db: &Db, reseller: &partner::Model) -> ApiResult<()> {
    let mut stages = Vec::new();
    for (name, position) in [
        ("Lead", 10),
        ("Qualified", 20),
        ("Proposal", 30),
        ("Negotiation", 40),
        ("Closed won", 50),
    ] {
        let won = name == "Closed won";
        stages.push(dp::create_stage(db, DEMO_TENANT, name, position, won).await?);
    }
    let (qualified, proposal, won) = (&stages[1].id, &stages[2].id, &stages[4].id);
    let size = dp::create_field(
        db,
        DEMO_TENANT,
        "Deal size",
        &["Small".into(), "Medium".into(), "Large".into()],
    )
    .await?;
    let options = dp::options(db.conn(), DEMO_TENANT).await?;
    let large = options
        .iter()
        .find(|o| o.label == "Large")
        .expect("created above");
    let lead_creator = dp::create_contact(
        db,
        DEMO_TENANT,
        dp::NewContact {
            partner_id: Some(reseller.id.clone()),
            name: "Ana Ortiz".into(),
            email: Some("ana@northwind.example".into()),
        },
    )
    .await?;
    let entry = |stage: &str, calculation| Entry {
        payment_stage_id: stage.to_owned(),
        calculation,
    };
    let split = Calculation::Split {
        one_off: OneOff {
            value: value("10%"),
            scaling: Some(Scaling {
                custom_field_id: size.id.clone(),
                tiers: vec![ScalingTier {
                    option_id: large.id.clone(),
                    value: value("12%"),
                }],
            }),
        },
        recurring: Recurring {
            value: value("5%"),
            scaling: None,
            number_of_occurrences: Some(12),
            period_rates: vec![PeriodRate {
                period_number: Some(1),
                start_occurrence: 1,
                end_occurrence: 3,
                value: value("8%"),
                scaling: None,
            }],
        },
    };
    let recurring = Calculation::Recurring(Recurring {
        value: value("3%"),
        scaling: None,
        number_of_occurrences: None,
        period_rates: Vec::new(),
    });
    let plans = [
        (
            "Reseller deals",
            PartnerType::Reseller,
            None,
            entry(won, split),
        ),
        (
            "Referral lead fee",
            PartnerType::Referral,
            None,
            entry(qualified, Calculation::OneOff(one_off("500"))),
        ),
        (
            "Distributor share",
            PartnerType::Distributor,
            None,
            entry(won, recurring),
        ),
        (
            "Lead creator spiff",
            PartnerType::Reseller,
            Some(AutoAssignRecipient::LeadCreator),
            entry(won, Calculation::OneOff(one_off("500"))),
        ),
    ];
    for (label, partner_type, assign, entry) in plans {
        let payment_target = match assign {
            Some(_) => PaymentTarget::Individual,
            None => PaymentTarget::Partnership,
        };
        dplans::create(
            db,
            DEMO_TENANT,
            dplans::NewPlan {
                label: label.into(),
                currency: "USD".into(),
                partner_type,
                payment_target,
                auto_assign_recipient: assign,
                restrictions: Default::default(),
                entries: Entries::new(vec![entry]).expect("demo plans are valid"),
            },
        )
        .await?;
    }
    deal::create(
        db,
        DEMO_TENANT,
        "demo",
        deal::NewDeal {
            external_id: "DEAL-1001".into(),
            partner: PartnerRef::Id(reseller.id.clone()),
            campaign_id: None,
            name: "Acme rollout".into(),
            amount: Decimal::new(24_000, 0),
            currency: None,
            stage_id: proposal.clone(),
            field_values: vec![(size.id.clone(), large.id.clone())],
            lead_creator_id: Some(lead_creator.id.clone()),
            owner_id: None,
            occurred_at: None,
        },
    )
    .await?;
    // Waiting in the tenant's queue: `deals(registration: PENDING)`.
    workflow::register(
        db,
        DEMO_TENANT,
        &reseller.id,
        "demo",
        workflow::Registration {
            name: "Globex expansion".into(),
            amount: Decimal::new(5_000, 0),
            currency: None,
            company_name: "Globex".into(),
            company_domain: "globex.example".into(),
            field_values: Vec::new(),
            lead_creator_id: Some(lead_creator.id),
            notes: Some("Met their IT lead at the trade fair; budget approved for Q1.".into()),
        },
    )
    .await?;
    Ok(())
}
