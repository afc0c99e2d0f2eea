//! Splitting a `recordEvents` batch into independent parts that run as
//! transactions side by side (PostgreSQL; SQLite has one writer).

use super::{Item, MAX_BATCH, PartnerRef, Recorded, record_batch};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::partner;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeSet, HashMap};

/// Records a batch as up to `parts` transactions side by side (PostgreSQL;
/// SQLite has one writer, so it passes 1).
///
/// Items that share a partner or an `externalId` always stay in one
/// transaction, in input order, so the history each item sees and which of
/// two deliveries of an `externalId` wins are exactly what one transaction
/// would give. When the batch names partners both by id and by `externalId`,
/// one read resolves them first, so a partner named both ways is still one
/// group. Independent groups are spread over the transactions by size
/// (largest first, onto the lightest), and their partner locks never meet.
/// Measured in docs/BENCHMARKS.md: two transactions on two cores.
pub async fn record_split(
    db: &Db,
    tenant_id: &str,
    items: Vec<Item>,
    parts: usize,
) -> ApiResult<Vec<ApiResult<Recorded>>> {
    // A sale naming only its customer finds its partner under the
    // customer's lock, inside the transaction: such a batch is one part.
    let unnamed = items.iter().any(|i| i.event.partner.is_none());
    if parts <= 1 || items.len() < 2 || items.len() > MAX_BATCH || unnamed {
        return record_batch(db, tenant_id, items).await;
    }
    let resolved = resolve_partners(db, tenant_id, &items).await?;
    let groups = independent_groups(&items, &resolved, parts);
    if groups.len() <= 1 {
        return record_batch(db, tenant_id, items).await;
    }
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    // Tasks of their own, so the parts' evaluation also runs on both cores.
    let runs: Vec<_> = groups
        .into_iter()
        .map(|positions| {
            let part: Vec<Item> = positions.iter().filter_map(|&i| slots[i].take()).collect();
            let (db, tenant_id) = (db.clone(), tenant_id.to_owned());
            let task = tokio::spawn(async move { record_batch(&db, &tenant_id, part).await });
            (positions, task)
        })
        .collect();
    // A part that failed as a whole (the database went away, say) answers
    // each of its items with that error; the other parts' answers stand.
    let mut results: Vec<Option<ApiResult<Recorded>>> = (0..slots.len()).map(|_| None).collect();
    for (positions, task) in runs {
        match task.await {
            Ok(Ok(part)) => {
                for (position, result) in positions.into_iter().zip(part) {
                    results[position] = Some(result);
                }
            }
            Ok(Err(err)) => {
                for position in positions {
                    results[position] = Some(Err(err.clone()));
                }
            }
            Err(join) => {
                let err = ApiError::internal("batch part", join);
                for position in positions {
                    results[position] = Some(Err(err.clone()));
                }
            }
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or(Err(ApiError::Internal)))
        .collect())
}

/// Partner ids by `externalId`, read only when the batch names partners both
/// ways (a partner has one id and one `externalId`, so otherwise the
/// references themselves tell partners apart).
async fn resolve_partners(
    db: &Db,
    tenant_id: &str,
    items: &[Item],
) -> ApiResult<HashMap<String, String>> {
    let by_id = items
        .iter()
        .any(|i| matches!(i.event.partner, Some(PartnerRef::Id(_))));
    let external: BTreeSet<&str> = items
        .iter()
        .filter_map(|i| match &i.event.partner {
            Some(PartnerRef::ExternalId(id)) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    if !by_id || external.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(partner::Entity::find()
        .filter(partner::Column::TenantId.eq(tenant_id))
        .filter(partner::Column::ExternalId.is_in(external))
        .all(db.conn())
        .await?
        .into_iter()
        .filter_map(|p| Some((p.external_id?, p.id)))
        .collect())
}

/// The items' positions in at most `parts` groups, each in input order, such
/// that items sharing a partner or an `externalId` are in the same group.
fn independent_groups(
    items: &[Item],
    partner_ids: &HashMap<String, String>,
    parts: usize,
) -> Vec<Vec<usize>> {
    // Union-find over positions, joined through the keys they share.
    let mut parent: Vec<usize> = (0..items.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let partner = match &item.event.partner {
            Some(PartnerRef::Id(id)) => format!("p:{id}"),
            Some(PartnerRef::ExternalId(ext)) => match partner_ids.get(ext) {
                Some(id) => format!("p:{id}"),
                None => format!("x:{ext}"),
            },
            // Never split (see above).
            None => "unnamed".to_owned(),
        };
        for key in [partner, format!("e:{}", item.event.external_id.trim())] {
            match first_with.get(&key) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    let mut components: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..items.len() {
        let r = root(&mut parent, i);
        components.entry(r).or_default().push(i);
    }
    let mut components: Vec<Vec<usize>> = components.into_values().collect();
    // Largest first onto the lightest group; ties by first position, so the
    // split is the same for the same batch.
    components.sort_by_key(|c| (std::cmp::Reverse(c.len()), c[0]));
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); parts.min(components.len())];
    for component in components {
        if let Some(lightest) = groups.iter_mut().min_by_key(|g| g.len()) {
            lightest.extend(component);
        }
    }
    for group in &mut groups {
        group.sort_unstable();
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::super::NewConversion;
    use super::*;
    use crate::engine::EventKind;
    use rust_decimal::Decimal;

    fn item(partner: PartnerRef, external_id: &str) -> Item {
        Item::new(
            "input",
            NewConversion {
                external_id: external_id.into(),
                partner: Some(partner),
                campaign_id: None,
                customer_external_id: None,
                customer_acquired_at: None,
                kind: EventKind::Sale,
                amount: Decimal::ONE,
                currency: None,
                occurred_at: None,
                revenue: None,
                metadata: None,
                lines: Vec::new(),
                customer: None,
            },
        )
    }

    fn id(id: &str) -> PartnerRef {
        PartnerRef::Id(id.into())
    }

    #[test]
    fn a_batch_splits_by_partner_largest_group_first() {
        let items = [
            item(id("a"), "1"),
            item(id("b"), "2"),
            item(id("a"), "3"),
            item(id("c"), "4"),
            item(id("a"), "5"),
        ];
        let none = HashMap::new();
        assert_eq!(
            independent_groups(&items, &none, 2),
            vec![vec![0, 2, 4], vec![1, 3]]
        );
        assert_eq!(
            independent_groups(&items, &none, 8),
            vec![vec![0, 2, 4], vec![1], vec![3]]
        );
    }

    #[test]
    fn a_shared_external_id_or_partner_keeps_items_together() {
        // "b" and "c" share an externalId; "a" named by id and by externalId
        // is one partner once resolved.
        let items = [
            item(id("b"), "same"),
            item(PartnerRef::ExternalId("ext-a".into()), "1"),
            item(id("c"), " same"),
            item(id("a"), "2"),
            item(id("d"), "3"),
        ];
        let resolved = HashMap::from([("ext-a".to_owned(), "a".to_owned())]);
        assert_eq!(
            independent_groups(&items, &resolved, 3),
            vec![vec![0, 2], vec![1, 3], vec![4]]
        );
        // Unresolved, the two references are two groups.
        assert_eq!(independent_groups(&items, &HashMap::new(), 8).len(), 4);
    }
}
