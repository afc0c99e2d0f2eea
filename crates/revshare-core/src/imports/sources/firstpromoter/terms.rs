//! A FirstPromoter campaign's terms: the reward its promoters earn
//! (`rewards_for_promoters[].reward_id`), read from `/rewards` — one rate
//! (a percentage, or a flat amount a sale), for so many months of a
//! customer, or on its first payment only.

use super::super::super::source::json::{id, int, items, text};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

/// A campaign's promoter reward, as a group's terms.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Terms {
    pub(super) percentage: Option<Decimal>,
    pub(super) flat: Option<Decimal>,
    pub(super) max_months: Option<u32>,
    /// What the terms approximate, for a problem row.
    pub(super) note: Option<String>,
}

pub(super) fn of(campaign: &Value, rewards: &HashMap<String, Value>) -> Result<Terms, String> {
    let named: Vec<&Value> = items(campaign, "rewards_for_promoters")
        .map(|l| l.iter().collect())
        .unwrap_or_default();
    let Some(first) = named.first() else {
        return Ok(Terms::default());
    };
    let differ = named.len() > 1
        && named
            .iter()
            .any(|r| id(r, "reward_id") != id(first, "reward_id"));
    if differ {
        return Err("it pays by plan or product, which a group's one rate cannot say".into());
    }
    if text(first, "apply_on") == Some("specific") {
        return Err("it pays on some products only".into());
    }
    let reward_id = id(first, "reward_id").ok_or("its reward names no reward")?;
    let reward = rewards
        .get(&reward_id)
        .ok_or_else(|| format!("its reward {reward_id} is not among the account's rewards"))?;
    match text(reward, "promoter_reward_type") {
        None | Some("sale") => {}
        Some(other) => return Err(format!("a {other} reward, paid by performance")),
    }
    let schemas = items(reward, "schemas").ok_or("its reward has no amounts")?;
    let [schema] = schemas.as_slice() else {
        return Err("its reward has several amounts".into());
    };
    if let Some(unit) = text(schema, "unit").filter(|u| *u != "cash") {
        return Err(format!("a reward in {unit}, not money"));
    }
    let amount = schema
        .get("amount")
        .and_then(|a| match a {
            Value::String(s) => crate::engine::parse_decimal(s),
            Value::Number(n) => crate::engine::parse_decimal(&n.to_string()),
            _ => None,
        })
        .ok_or("its reward's amount is not a number")?
        .normalize();
    let mut terms = match schema.get("flat_amount").and_then(Value::as_bool) {
        Some(true) => Terms {
            // An amount of money: with its cents, as every amount reads.
            flat: Some(match amount.scale() < 2 {
                true => {
                    let mut cents = amount;
                    cents.rescale(2);
                    cents
                }
                false => amount,
            }),
            ..Terms::default()
        },
        _ => Terms {
            percentage: Some(amount),
            ..Terms::default()
        },
    };
    for rule in items(schema, "rules").into_iter().flatten() {
        let value = int(rule, "value")
            .or_else(|| rule.get("value").and_then(Value::as_f64).map(|f| f as i64))
            .ok_or("a condition of its reward has no value")?;
        // The last month or payment the condition still pays.
        let last = match text(rule, "condition") {
            Some("less than") => value - 1,
            Some("less than or equal to") => value,
            Some("equal to") if value == 1 => 1,
            _ => return Err("a condition of its reward no group's rules can say".into()),
        };
        match text(rule, "type") {
            Some("customer_age_in_months") if last >= 1 => {
                terms.max_months = Some(u32::try_from(last).map_err(|_| "too many months")?);
            }
            Some("customer_sales_count") if last == 1 => {
                terms.max_months = Some(1);
                terms.note = Some(
                    "pays a customer's first payment only at the source: its group pays the \
                     customer's first month (the one payment of a monthly or yearly plan)"
                        .into(),
                );
            }
            Some("customer_sales_count") => {
                return Err(format!("it pays a customer's first {last} payments"));
            }
            _ => return Err("a condition of its reward no group's rules can say".into()),
        }
    }
    Ok(terms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn terms(reward: Value, apply: &[&str]) -> Result<Terms, String> {
        let campaign = json!({ "id": 1, "rewards_for_promoters": apply.iter()
            .map(|a| json!({ "apply_on": a, "reward_id": 7 })).collect::<Vec<_>>() });
        let mut rewards = HashMap::new();
        rewards.insert("7".to_owned(), reward);
        of(&campaign, &rewards)
    }

    fn schema(amount: Value, flat: bool, rules: Value) -> Value {
        json!({ "id": 7, "promoter_reward_type": "sale",
            "schemas": [{ "unit": "cash", "amount": amount, "flat_amount": flat, "rules": rules }] })
    }

    #[test]
    fn a_reward_is_a_percentage_a_flat_amount_or_a_first_month() {
        let d = |s: &str| crate::engine::parse_decimal(s).unwrap();
        assert_eq!(
            terms(schema(json!(30), false, json!([])), &["all"]).unwrap(),
            Terms {
                percentage: Some(d("30")),
                ..Terms::default()
            }
        );
        assert_eq!(
            terms(schema(json!(12.5), true, json!([])), &["all"]).unwrap(),
            Terms {
                flat: Some(d("12.5")),
                ..Terms::default()
            }
        );
        let months = json!([{ "type": "customer_age_in_months", "condition": "less than or equal to", "value": 12 }]);
        assert_eq!(
            terms(schema(json!(20), false, months), &["all"])
                .unwrap()
                .max_months,
            Some(12)
        );
        let first =
            json!([{ "type": "customer_sales_count", "condition": "equal to", "value": 1 }]);
        let first = terms(schema(json!(50), false, first), &["all"]).unwrap();
        assert_eq!((first.max_months, first.note.is_some()), (Some(1), true));
        let three =
            json!([{ "type": "customer_sales_count", "condition": "less than", "value": 4 }]);
        assert_eq!(
            terms(schema(json!(50), false, three), &["all"]).unwrap_err(),
            "it pays a customer's first 3 payments"
        );
        assert!(terms(schema(json!(5), false, json!([])), &["specific"]).is_err());
        let mut points = schema(json!(5), false, json!([]));
        points["schemas"][0]["unit"] = json!("points");
        assert_eq!(
            terms(points, &["all"]).unwrap_err(),
            "a reward in points, not money"
        );
        assert_eq!(terms(json!({}), &[]).unwrap(), Terms::default());
    }
}
