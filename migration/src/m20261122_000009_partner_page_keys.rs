//! A partner's page of commissions is read by `tenant_id = ? AND
//! partner_id = ? [AND status = ?] ORDER BY id LIMIT n`. With indexes on
//! `(partner_id, id)` and `(tenant_id, id)`, PostgreSQL planned it from
//! statistics: right after a burst of 20,000 commissions, before `ANALYZE`,
//! it combined both indexes and sorted every row of the partner (34 ms
//! against 8 ms). Indexes whose equality columns are exactly the
//! statement's, in front of its order, make the ordered index scan the
//! cheapest plan whatever the statistics say — none, stale or fresh. They
//! replace the partner indexes (as many indexes as before, so writes cost
//! the same).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (dropped, created, its columns), and back for `down`.
const SWAPS: &[(&str, &str, &[&str])] = &[
    (
        "ix_commissions_partner",
        "ix_commissions_tenant_partner",
        &["tenant_id", "partner_id", "id"],
    ),
    (
        "ix_commissions_partner_status",
        "ix_commissions_tenant_partner_status",
        &["tenant_id", "partner_id", "status", "id"],
    ),
];

const BEFORE: &[(&str, &[&str])] = &[
    ("ix_commissions_partner", &["partner_id", "id"]),
    (
        "ix_commissions_partner_status",
        &["partner_id", "status", "id"],
    ),
];

async fn create(manager: &SchemaManager<'_>, name: &str, columns: &[&str]) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(Alias::new("commissions"));
    for column in columns {
        index.col(Alias::new(*column));
    }
    manager.create_index(index.to_owned()).await
}

async fn drop(manager: &SchemaManager<'_>, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(
            Index::drop()
                .name(name)
                .table(Alias::new("commissions"))
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (old, new, columns) in SWAPS {
            create(manager, new, columns).await?;
            drop(manager, old).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for ((_, new, _), (old, columns)) in SWAPS.iter().zip(BEFORE) {
            create(manager, old, columns).await?;
            drop(manager, new).await?;
        }
        Ok(())
    }
}
