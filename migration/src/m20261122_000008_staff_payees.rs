//! A spiff paid to one of the tenant's own people (a contact without a
//! partner) is the tenant's expense, not the partner's money.
//!
//! - `commissions.staff_payee` and `payouts.staff_payee` mark what pays such
//!   a person, so the partner's lists leave it out by a column of the row
//!   (backfilled from the contacts). A commission's mark is fixed once its
//!   recipient is: the immutability trigger now keeps it too.
//! - `contact_balances` holds each payee contact's sum and count of
//!   commissions per currency and status, as `partner_balances` does for
//!   partners; `partner_balances` no longer counts staff spiffs (the
//!   backfill moves them out).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COMMON_UP: &[&str] = &[
    "CREATE TABLE contact_balances ( \
       contact_id varchar NOT NULL REFERENCES contacts (id), \
       currency varchar(3) NOT NULL, \
       status varchar NOT NULL, \
       tenant_id varchar NOT NULL REFERENCES tenants (id), \
       amount_minor bigint NOT NULL, \
       commission_count bigint NOT NULL, \
       PRIMARY KEY (contact_id, currency, status))",
    "UPDATE commissions SET staff_payee = true \
     WHERE recipient_id IN (SELECT id FROM contacts WHERE partner_id IS NULL)",
    "UPDATE payouts SET staff_payee = true \
     WHERE recipient_id IN (SELECT id FROM contacts WHERE partner_id IS NULL)",
    "INSERT INTO contact_balances \
       (contact_id, currency, status, tenant_id, amount_minor, commission_count) \
     SELECT recipient_id, currency, status, MIN(tenant_id), \
            CAST(SUM(amount_minor) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
     FROM commissions WHERE recipient_id IS NOT NULL \
     GROUP BY recipient_id, currency, status",
    "UPDATE partner_balances SET \
       amount_minor = amount_minor - COALESCE((SELECT SUM(c.amount_minor) FROM commissions c \
         WHERE c.staff_payee AND c.partner_id = partner_balances.partner_id \
           AND c.currency = partner_balances.currency AND c.status = partner_balances.status), 0), \
       commission_count = commission_count - (SELECT COUNT(*) FROM commissions c \
         WHERE c.staff_payee AND c.partner_id = partner_balances.partner_id \
           AND c.currency = partner_balances.currency AND c.status = partner_balances.status)",
];

const COMMON_DOWN: &[&str] = &[
    "UPDATE partner_balances SET \
       amount_minor = amount_minor + COALESCE((SELECT SUM(c.amount_minor) FROM commissions c \
         WHERE c.staff_payee AND c.partner_id = partner_balances.partner_id \
           AND c.currency = partner_balances.currency AND c.status = partner_balances.status), 0), \
       commission_count = commission_count + (SELECT COUNT(*) FROM commissions c \
         WHERE c.staff_payee AND c.partner_id = partner_balances.partner_id \
           AND c.currency = partner_balances.currency AND c.status = partner_balances.status)",
    "INSERT INTO partner_balances \
       (partner_id, currency, status, tenant_id, amount_minor, commission_count) \
     SELECT partner_id, currency, status, MIN(tenant_id), \
            CAST(SUM(amount_minor) AS BIGINT), CAST(COUNT(*) AS BIGINT) \
     FROM commissions c WHERE staff_payee AND NOT EXISTS (SELECT 1 FROM partner_balances b \
       WHERE b.partner_id = c.partner_id AND b.currency = c.currency AND b.status = c.status) \
     GROUP BY partner_id, currency, status",
    "DROP TABLE contact_balances",
];

/// Migration 000006's rule, and the staff mark fixed with the recipient.
const SQLITE_TRIGGER: &str = "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
       OR NEW.plan_id IS NOT OLD.plan_id OR NEW.deal_id IS NOT OLD.deal_id \
       OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS NOT OLD.recipient_id) \
       OR (OLD.recipient_id IS NOT NULL AND NEW.staff_payee IS NOT OLD.staff_payee) \
       OR NEW.tier_id IS NOT OLD.tier_id OR NEW.revenue_minor IS NOT OLD.revenue_minor \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event, accrual time, plan, deal, recipient, payee, tier and revenue are immutable'); END";

const SQLITE_TRIGGER_BEFORE: &str = "CREATE TRIGGER commissions_immutable BEFORE UPDATE ON commissions \
     WHEN NEW.amount_minor IS NOT OLD.amount_minor OR NEW.currency IS NOT OLD.currency \
       OR NEW.partner_id IS NOT OLD.partner_id OR NEW.campaign_id IS NOT OLD.campaign_id \
       OR NEW.event_id IS NOT OLD.event_id OR NEW.accrued_at IS NOT OLD.accrued_at \
       OR NEW.plan_id IS NOT OLD.plan_id OR NEW.deal_id IS NOT OLD.deal_id \
       OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS NOT OLD.recipient_id) \
       OR NEW.tier_id IS NOT OLD.tier_id OR NEW.revenue_minor IS NOT OLD.revenue_minor \
     BEGIN SELECT RAISE(ABORT, 'commission amount, currency, partner, campaign, event, accrual time, plan, deal, recipient, tier and revenue are immutable'); END";

const POSTGRES_FUNCTION: &str = "CREATE OR REPLACE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN RAISE EXCEPTION 'commissions are never deleted'; END IF; \
       IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor OR NEW.currency IS DISTINCT FROM OLD.currency \
          OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id \
          OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.accrued_at IS DISTINCT FROM OLD.accrued_at \
          OR NEW.plan_id IS DISTINCT FROM OLD.plan_id OR NEW.deal_id IS DISTINCT FROM OLD.deal_id \
          OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS DISTINCT FROM OLD.recipient_id) \
          OR (OLD.recipient_id IS NOT NULL AND NEW.staff_payee IS DISTINCT FROM OLD.staff_payee) \
          OR NEW.tier_id IS DISTINCT FROM OLD.tier_id OR NEW.revenue_minor IS DISTINCT FROM OLD.revenue_minor THEN \
         RAISE EXCEPTION 'commission amount, currency, partner, campaign, event, accrual time, plan, deal, recipient, payee, tier and revenue are immutable'; \
       END IF; \
       RETURN NEW; \
     END $$";

const POSTGRES_FUNCTION_BEFORE: &str = "CREATE OR REPLACE FUNCTION revshare_commissions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN RAISE EXCEPTION 'commissions are never deleted'; END IF; \
       IF NEW.amount_minor IS DISTINCT FROM OLD.amount_minor OR NEW.currency IS DISTINCT FROM OLD.currency \
          OR NEW.partner_id IS DISTINCT FROM OLD.partner_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id \
          OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.accrued_at IS DISTINCT FROM OLD.accrued_at \
          OR NEW.plan_id IS DISTINCT FROM OLD.plan_id OR NEW.deal_id IS DISTINCT FROM OLD.deal_id \
          OR (OLD.recipient_id IS NOT NULL AND NEW.recipient_id IS DISTINCT FROM OLD.recipient_id) \
          OR NEW.tier_id IS DISTINCT FROM OLD.tier_id OR NEW.revenue_minor IS DISTINCT FROM OLD.revenue_minor THEN \
         RAISE EXCEPTION 'commission amount, currency, partner, campaign, event, accrual time, plan, deal, recipient, tier and revenue are immutable'; \
       END IF; \
       RETURN NEW; \
     END $$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        conn.execute_unprepared(
            "ALTER TABLE commissions ADD COLUMN staff_payee boolean NOT NULL DEFAULT false",
        )
        .await?;
        conn.execute_unprepared(
            "ALTER TABLE payouts ADD COLUMN staff_payee boolean NOT NULL DEFAULT false",
        )
        .await?;
        // The backfill marks rows before the trigger protects the mark.
        for sql in COMMON_UP {
            conn.execute_unprepared(sql).await?;
        }
        if postgres {
            conn.execute_unprepared(POSTGRES_FUNCTION).await?;
        } else {
            conn.execute_unprepared("DROP TRIGGER commissions_immutable")
                .await?;
            conn.execute_unprepared(SQLITE_TRIGGER).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if postgres {
            conn.execute_unprepared(POSTGRES_FUNCTION_BEFORE).await?;
        } else {
            conn.execute_unprepared("DROP TRIGGER commissions_immutable")
                .await?;
            conn.execute_unprepared(SQLITE_TRIGGER_BEFORE).await?;
        }
        for sql in COMMON_DOWN {
            conn.execute_unprepared(sql).await?;
        }
        conn.execute_unprepared("ALTER TABLE commissions DROP COLUMN staff_payee")
            .await?;
        conn.execute_unprepared("ALTER TABLE payouts DROP COLUMN staff_payee")
            .await?;
        Ok(())
    }
}
