//! The `demo` tenant that a development start-up provisions, so a newcomer's
//! first query has something to show: three groups (seed 000's examples), a
//! few partners and categories.

use crate::db::Db;
use crate::directory::groups::{self, NewGroup};
use crate::directory::partners::{self, NewPartner, PartnerStatus, PartnerType};
use crate::directory::{categories, tenants};
use crate::engine::{Rule, RuleEntry, RuleSet};
use crate::error::ApiResult;
use rust_decimal::Decimal;

pub const DEMO_TENANT: &str = "demo";

fn rule(rule: Rule, description: &str) -> RuleEntry {
    RuleEntry {
        rule,
        description: Some(description.to_owned()),
    }
}

/// Creates the demo tenant unless it exists; returns whether it was created.
pub async fn provision(db: &Db) -> ApiResult<bool> {
    if tenants::find(db.conn(), DEMO_TENANT).await?.is_some() {
        return Ok(false);
    }
    tenants::create(
        db,
        tenants::NewTenant {
            id: DEMO_TENANT.into(),
            name: Some("Demo Brand".into()),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        },
    )
    .await?;

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
    for (name, email, partner_type, group_id, category_ids) in partners {
        partners::create(
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
            },
        )
        .await?;
    }
    Ok(true)
}
