//! Who a broadcast is for (SPEC §35): a set of filters, every one of
//! which a partner must match (within a filter, any value) — groups,
//! categories, tags, statuses (`ACTIVE` unless named), countries, and
//! what it earned between two instants (its commissions not reversed, in
//! one currency, clawbacks counted, at least an amount) — checked when
//! the broadcast is made and resolved when it starts sending.

use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::input;
use chrono::{DateTime, Utc};
use entity::enums::{CommissionStatus, PartnerStatus};
use entity::{broadcast, category, commission, partner, partner_category, partner_group};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
};
use serde::{Deserialize, Serialize};

/// Values one filter may list.
const MAX_VALUES: usize = 100;

/// Earnings an audience asks of its partners.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Earned {
    pub amount_minor: i64,
    pub currency: String,
    #[serde(default)]
    pub from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub to: Option<DateTime<Utc>>,
}

/// Who a broadcast is for, as kept (JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Audience {
    pub group_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<PartnerStatus>,
    pub countries: Vec<String>,
    pub earned: Option<Earned>,
}

/// An audience as a client gives it.
#[derive(Clone, Debug, Default)]
pub struct AudienceInput {
    pub group_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub tags: Vec<String>,
    pub statuses: Vec<PartnerStatus>,
    pub countries: Vec<String>,
    /// `(amount, currency)`.
    pub earned_at_least: Option<(Decimal, String)>,
    pub earned_from: Option<DateTime<Utc>>,
    pub earned_to: Option<DateTime<Utc>>,
}

/// The kept audience of a broadcast row. One that does not read is an
/// error, never the default: the default is every active partner.
pub fn audience_of(row: &broadcast::Model) -> ApiResult<Audience> {
    ApiError::stored("broadcast audience", &row.audience)
}

fn too_many(field: &str, values: usize) -> ApiResult<()> {
    match values > MAX_VALUES {
        true => Err(ApiError::bad_input(
            field,
            format!("must list at most {MAX_VALUES} values"),
        )),
        false => Ok(()),
    }
}

/// Checks an audience whole against the tenant's groups and categories.
pub(super) async fn check_audience(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    given: AudienceInput,
) -> ApiResult<Audience> {
    let field = "input.audience";
    too_many(&format!("{field}.groupIds"), given.group_ids.len())?;
    too_many(&format!("{field}.categoryIds"), given.category_ids.len())?;
    too_many(&format!("{field}.countries"), given.countries.len())?;
    let groups: Vec<String> = partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(given.group_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect();
    input::check_found(
        &format!("{field}.groupIds"),
        &given.group_ids,
        |id| groups.iter().any(|g| g == id),
        "no such partner group",
    )?;
    let categories: Vec<String> = category::Entity::find()
        .filter(category::Column::TenantId.eq(tenant_id))
        .filter(category::Column::Id.is_in(given.category_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    input::check_found(
        &format!("{field}.categoryIds"),
        &given.category_ids,
        |id| categories.iter().any(|c| c == id),
        "no such category",
    )?;
    let tags = crate::directory::groups::check_tags(&format!("{field}.tags"), &given.tags)?;
    let mut countries = Vec::new();
    for (i, code) in given.countries.iter().enumerate() {
        let code = code.trim().to_uppercase();
        if !crate::engine::countries::is_country(&code) {
            return Err(ApiError::bad_input(
                format!("{field}.countries[{i}]"),
                "must be an ISO 3166-1 alpha-2 country code (US, DE, JP)",
            ));
        }
        countries.push(code);
    }
    let earned = match given.earned_at_least {
        None => {
            if given.earned_from.is_some() || given.earned_to.is_some() {
                return Err(ApiError::bad_input(
                    format!("{field}.earnedAtLeast"),
                    "earnedFrom and earnedTo bound earnedAtLeast: name it too",
                ));
            }
            None
        }
        Some((amount, code)) => {
            let currency = Currency::parse(code.trim()).map_err(|e| {
                ApiError::bad_input(format!("{field}.earnedAtLeast.currency"), e.to_string())
            })?;
            if amount < Decimal::ZERO {
                return Err(ApiError::bad_input(
                    format!("{field}.earnedAtLeast.amount"),
                    "must not be negative",
                ));
            }
            let amount_minor = currency.to_minor(amount).map_err(|e| {
                ApiError::bad_input(format!("{field}.earnedAtLeast.amount"), e.to_string())
            })?;
            if let (Some(from), Some(to)) = (given.earned_from, given.earned_to)
                && to <= from
            {
                return Err(ApiError::bad_input(
                    format!("{field}.earnedTo"),
                    "must be after earnedFrom",
                ));
            }
            Some(Earned {
                amount_minor,
                currency: currency.code().to_owned(),
                from: given.earned_from,
                to: given.earned_to,
            })
        }
    };
    let mut statuses = given.statuses;
    statuses.sort();
    statuses.dedup();
    Ok(Audience {
        group_ids: given.group_ids,
        category_ids: given.category_ids,
        tags,
        statuses,
        countries,
        earned,
    })
}

/// The tenant's partners `audience` selects (see the module).
pub fn resolve(tenant_id: &str, audience: &Audience) -> Select<partner::Entity> {
    let mut select = partner::Entity::find().filter(partner::Column::TenantId.eq(tenant_id));
    let statuses = match audience.statuses.is_empty() {
        true => vec![PartnerStatus::Active],
        false => audience.statuses.clone(),
    };
    select = select.filter(partner::Column::Status.is_in(statuses));
    if !audience.group_ids.is_empty() {
        select = select.filter(partner::Column::GroupId.is_in(audience.group_ids.clone()));
    }
    if !audience.countries.is_empty() {
        select = select.filter(partner::Column::Country.is_in(audience.countries.clone()));
    }
    if !audience.tags.is_empty() {
        let mut any = Condition::any();
        for tag in &audience.tags {
            any = any.add(partner::Column::Tags.contains(crate::directory::tags::needle(tag)));
        }
        select = select.filter(any);
    }
    if !audience.category_ids.is_empty() {
        select = select.filter(
            partner::Column::Id.in_subquery(
                Query::select()
                    .column(partner_category::Column::PartnerId)
                    .from(partner_category::Entity)
                    .and_where(
                        partner_category::Column::CategoryId.is_in(audience.category_ids.clone()),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(earned) = &audience.earned {
        let mut earners = Query::select();
        earners
            .column(commission::Column::PartnerId)
            .from(commission::Entity)
            .and_where(commission::Column::TenantId.eq(tenant_id))
            .and_where(commission::Column::Currency.eq(earned.currency.as_str()))
            .and_where(commission::Column::Status.ne(CommissionStatus::Reversed))
            .and_where(commission::Column::StaffPayee.eq(false));
        if let Some(from) = earned.from {
            earners.and_where(commission::Column::AccruedAt.gte(from));
        }
        if let Some(to) = earned.to {
            earners.and_where(commission::Column::AccruedAt.lt(to));
        }
        earners
            .group_by_col(commission::Column::PartnerId)
            .and_having(
                Expr::expr(Func::sum(Expr::col(commission::Column::AmountMinor)))
                    .gte(earned.amount_minor),
            );
        select = select.filter(partner::Column::Id.in_subquery(earners.to_owned()));
    }
    select.order_by_asc(partner::Column::Id)
}
