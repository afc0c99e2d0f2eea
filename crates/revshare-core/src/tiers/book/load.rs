//! Reading what a batch's events count in: the tenant's active tiers and
//! their progress rows, by key.

use super::*;

impl TierBook {
    /// Reads the tenant's active tiers and the progress the `events`
    /// (partner, campaign, time), recorded at `recorded_at`, count in. A
    /// tier counts the events recorded from its creation on — the same
    /// line refunds and reversals draw when they lower progress
    /// ([`crate::tiers::progress::lower`]).
    pub async fn load<'e>(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        recorded_at: DateTime<Utc>,
        events: impl Iterator<Item = (&'e str, &'e str, DateTime<Utc>)>,
    ) -> ApiResult<TierBook> {
        let models = tiered_commission::Entity::find()
            .filter(tiered_commission::Column::TenantId.eq(tenant_id))
            .filter(tiered_commission::Column::Status.eq(TierStatus::Active))
            .filter(tiered_commission::Column::CreatedAt.lte(recorded_at))
            .order_by_asc(tiered_commission::Column::Id)
            .all(conn)
            .await?;
        if models.is_empty() {
            return Ok(TierBook::default());
        }
        let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::internal("tier tenant", tenant_id))?;
        let tz = time_zone(&tenant.time_zone)?;
        let mut tiers = scoped(conn, models, tz).await?;
        let mut book = TierBook {
            tz: Some(tz),
            ..TierBook::default()
        };
        let mut keys = BTreeSet::new();
        for (partner_id, campaign_id, at) in events {
            for (i, tier) in tiers.iter_mut().enumerate() {
                if !tier.covers(partner_id, campaign_id) {
                    continue;
                }
                if let Some((start, _)) = tier.period(at) {
                    let slot = Slot {
                        tier: i as u32,
                        partner: number(&mut book.partners, partner_id),
                        campaign: number(&mut book.campaigns, campaign_id),
                        start,
                    };
                    keys.insert((slot, partner_id, campaign_id));
                }
            }
        }
        let keys: BTreeSet<_> = keys
            .into_iter()
            .map(|(slot, partner_id, campaign_id)| {
                let tier_id = tiers[slot.tier as usize].model.id.as_str();
                (slot, tier_id, partner_id, campaign_id)
            })
            .collect();
        let rows = read_progress(conn, &keys).await?;
        for (slot, tier_id, partner_id, campaign_id) in &keys {
            book.known.insert(*slot);
            let found = (
                tier_id.to_string(),
                partner_id.to_string(),
                campaign_id.to_string(),
                slot.start,
            );
            if let Some(row) = rows.get(&found) {
                book.progress.insert(*slot, row.clone());
            }
        }
        book.tiers = tiers;
        Ok(book)
    }
}

pub(super) async fn scoped(
    conn: &impl ConnectionTrait,
    models: Vec<tiered_commission::Model>,
    tz: Tz,
) -> ApiResult<Vec<ScopedTier>> {
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    let mut partners: HashMap<String, HashSet<String>> = HashMap::new();
    for link in tiered_commission_partner::Entity::find()
        .filter(tiered_commission_partner::Column::TierId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
    {
        partners
            .entry(link.tier_id)
            .or_default()
            .insert(link.partner_id);
    }
    let mut campaigns: HashMap<String, HashSet<String>> = HashMap::new();
    for link in tiered_commission_campaign::Entity::find()
        .filter(tiered_commission_campaign::Column::TierId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
    {
        campaigns
            .entry(link.tier_id)
            .or_default()
            .insert(link.campaign_id);
    }
    models
        .into_iter()
        .map(|model| {
            Ok(ScopedTier {
                terms: terms_of(&model)?,
                partners: partners.remove(&model.id).unwrap_or_default(),
                campaigns: campaigns.remove(&model.id).unwrap_or_default(),
                periods: PeriodFinder::new(
                    period(model.period),
                    tz,
                    (model.start_date, model.end_date),
                ),
                model,
            })
        })
        .collect()
}

/// The progress rows of `keys` (slot, tier, partner, campaign) that exist,
/// in one statement, by (tier, partner, campaign, period start).
async fn read_progress(
    conn: &impl ConnectionTrait,
    keys: &BTreeSet<(Slot, &str, &str, &str)>,
) -> ApiResult<HashMap<(String, String, String, DateTime<Utc>), tier_progress::Model>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let tiers: BTreeSet<&str> = keys.iter().map(|k| k.1).collect();
    let partners: BTreeSet<&str> = keys.iter().map(|k| k.2).collect();
    let campaigns: BTreeSet<&str> = keys.iter().map(|k| k.3).collect();
    let starts: BTreeSet<DateTime<Utc>> = keys.iter().map(|k| k.0.start).collect();
    let rows = tier_progress::Entity::find()
        .filter(tier_progress::Column::TierId.is_in(tiers))
        .filter(tier_progress::Column::PartnerId.is_in(partners))
        .filter(tier_progress::Column::CampaignId.is_in(campaigns))
        .filter(tier_progress::Column::PeriodStart.is_in(starts))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let key = (
                row.tier_id.clone(),
                row.partner_id.clone(),
                row.campaign_id.clone(),
                row.period_start,
            );
            (key, row)
        })
        .collect())
}
