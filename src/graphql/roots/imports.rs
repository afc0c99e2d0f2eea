//! Imports (SPEC §25): a program brought over from Rewardful,
//! FirstPromoter, PartnerStack, Tolt or CSV files, in the background.
//! Admins start and cancel them; the console's viewers read them too; a
//! partner never does. Credentials are taken, never answered.

use crate::error::{ApiError, ApiResult};
use crate::graphql::connection::{Connection, TotalCount};
use crate::graphql::context::{db, forget_reads, policy as caller_policy};
use crate::graphql::scalars::DateTime;
use crate::imports::sources::Credentials;
use crate::imports::{self, NewImport};
use async_graphql::connection::Edge;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::import;

/// The platform a program is imported from.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ImportSource")]
pub enum ImportSource {
    /// Rewardful's API v1: `apiKey` is the API secret.
    Rewardful,
    /// FirstPromoter's API v2: `apiKey` and `accountId`.
    Firstpromoter,
    /// PartnerStack's API v2: `publicKey` and `secretKey`.
    Partnerstack,
    /// Tolt's API: `apiKey`.
    Tolt,
    /// CSV files in revshare's layout (docs/importing.md): `csv`.
    Csv,
}

/// Where an import stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::enums::ImportStatus")]
pub enum ImportStatus {
    /// Reading the source and writing page by page.
    Running,
    /// Every page read and written (a dry run: counted).
    Done,
    /// Stopped on an error (`error` says which row or page): what was
    /// written before stays, consistent.
    Failed,
    /// Cancelled: the pages written before stay.
    Cancelled,
}

/// How an import reads its source: the fields its source needs. Kept
/// sealed with the data key while the import runs, dropped when it ends,
/// never answered.
#[derive(InputObject)]
pub struct ImportCredentialsInput {
    /// Rewardful's API secret, FirstPromoter's or Tolt's API key.
    pub api_key: Option<String>,
    /// FirstPromoter's account id (`Account-ID`).
    pub account_id: Option<String>,
    /// PartnerStack's public key.
    pub public_key: Option<String>,
    /// PartnerStack's secret key.
    pub secret_key: Option<String>,
    /// Where the source is read from instead of its documented host (a
    /// regional host; a test's server).
    pub base_url: Option<String>,
    /// CSV: the files, one section per entity (docs/importing.md).
    pub csv: Option<String>,
}

/// What `startImport` takes.
#[derive(InputObject)]
pub struct StartImportInput {
    /// The platform.
    pub source: ImportSource,
    /// How to read it.
    pub credentials: ImportCredentialsInput,
    /// The campaign imported partners are enrolled in and their
    /// commissions kept under (the default campaign when omitted).
    pub campaign_id: Option<ID>,
    /// The group every imported partner goes into; when omitted, a group
    /// per source campaign if it has several, else the default group.
    pub group_id: Option<ID>,
    /// Read and count everything, write nothing of the program.
    #[graphql(default)]
    pub dry_run: bool,
}

/// What an import brought over (a dry run: would bring).
#[derive(SimpleObject)]
pub struct ImportCounts {
    /// Partners made.
    pub partners: i64,
    /// Referral codes and coupons made, with the source's text.
    pub codes: i64,
    /// Customers attributed.
    pub customers: i64,
    /// Commissions written to the ledger.
    pub commissions: i64,
    /// Commissions recorded already another way (the billing connector
    /// during the switch): not doubled, each listed in `problems`.
    pub skipped: i64,
    /// Rows an earlier import brought already: left as they are.
    pub unchanged: i64,
    /// HTTP requests made to the source, retries included.
    pub requests: i64,
}

/// A row of the source that was not imported, and why.
#[derive(SimpleObject)]
pub struct ImportProblem {
    /// `partner`, `code`, `customer` or `commission`.
    pub entity: String,
    /// Its id at the source.
    pub external_id: String,
    /// Why, in words for the brand.
    pub reason: String,
}

/// A page of an import's problems.
pub type ImportProblemConnection = Connection<ImportProblem, TotalCount>;
/// A page of imports.
pub type ImportConnection = Connection<Import, TotalCount>;

/// An import's row.
pub struct Import(pub import::Model);

/// A program brought over from another platform (SPEC §25): its partners,
/// codes, customers and commissions, read page by page in the background.
#[Object]
impl Import {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The platform.
    async fn source(&self) -> ImportSource {
        self.0.source.into()
    }

    /// Where it stands.
    async fn status(&self) -> ImportStatus {
        self.0.status.into()
    }

    /// Whether it only reads and counts.
    async fn dry_run(&self) -> bool {
        self.0.dry_run
    }

    /// How far it is, from 0 to 1 (1 once it ended): a quarter per phase —
    /// campaigns, partners, customers, commissions.
    async fn progress(&self) -> f64 {
        imports::progress(&self.0)
    }

    /// What it brought over so far.
    async fn counts(&self) -> ImportCounts {
        ImportCounts {
            partners: self.0.partners,
            codes: self.0.codes,
            customers: self.0.customers,
            commissions: self.0.commissions,
            skipped: self.0.skipped,
            unchanged: self.0.unchanged,
            requests: self.0.requests,
        }
    }

    /// The campaign imported partners are enrolled in.
    async fn campaign_id(&self) -> ID {
        ID(self.0.campaign_id.clone())
    }

    /// When it was started.
    async fn started_at(&self) -> DateTime {
        DateTime::from(self.0.started_at)
    }

    /// When it finished, failed or was cancelled.
    async fn finished_at(&self) -> Option<DateTime> {
        self.0.finished_at.map(DateTime::from)
    }

    /// Why it failed: the source's answer, or the row that did not parse.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// The rows not imported, in the order they were met.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, 50 when omitted).")] first: Option<i32>,
        #[graphql(desc = "The cursor of the row before the page.")] after: Option<String>,
    ) -> ApiResult<ImportProblemConnection> {
        let size = page_size(first)?;
        let from: i64 = match &after {
            Some(cursor) => {
                cursor
                    .parse::<i64>()
                    .map_err(|_| ApiError::bad_input("after", "is not a cursor of this list"))?
                    + 1
            }
            None => 0,
        };
        let rows = imports::problems(db(ctx)?.conn(), &self.0.id, from, size + 1).await?;
        let has_next = rows.len() as u64 > size;
        let total = TotalCount::known(self.0.problems.max(0) as u64);
        let mut connection = Connection::new(after.is_some(), has_next, total);
        for row in rows.into_iter().take(size as usize) {
            connection.edges.push(Edge::new(
                row.seq.to_string(),
                ImportProblem {
                    entity: row.entity,
                    external_id: row.external_id,
                    reason: row.reason,
                },
            ));
        }
        Ok(connection)
    }
}

fn page_size(first: Option<i32>) -> ApiResult<u64> {
    match first {
        None => Ok(50),
        Some(n @ 1..=100) => Ok(n as u64),
        Some(_) => Err(ApiError::bad_input("first", "must be between 1 and 100")),
    }
}

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// An import; null when there is none the caller may read (admins and
    /// the console's viewers).
    async fn import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import's id.")] id: ID,
    ) -> ApiResult<Option<Import>> {
        let policy = caller_policy(ctx)?;
        policy.finds(crate::auth::access::Kind::Import)?;
        let found = imports::find(db(ctx)?.conn(), policy.tenant_id(), &id).await?;
        Ok(found.map(Import))
    }

    /// The program's imports, newest first.
    async fn imports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, 50 when omitted).")] first: Option<i32>,
        #[graphql(desc = "The cursor of the import before the page.")] after: Option<String>,
    ) -> ApiResult<ImportConnection> {
        let policy = caller_policy(ctx)?;
        policy.finds(crate::auth::access::Kind::Import)?;
        let size = page_size(first)?;
        let (total, rows) = imports::page(
            db(ctx)?.conn(),
            policy.tenant_id(),
            after.as_deref(),
            size + 1,
        )
        .await?;
        let has_next = rows.len() as u64 > size;
        let mut connection = Connection::new(after.is_some(), has_next, TotalCount::known(total));
        for row in rows.into_iter().take(size as usize) {
            connection
                .edges
                .push(Edge::new(row.id.clone(), Import(row)));
        }
        Ok(connection)
    }
}

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Starts importing a program (admins): checks the credentials with the
    /// source's first page — a refused key is `BAD_USER_INPUT` on
    /// `input.credentials` — then runs in the background, one import at a
    /// time per program (`CONFLICT` while one runs). Running it again adds
    /// nothing imported before.
    async fn start_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The source, how to read it, and where its rows go.")]
        input: StartImportInput,
    ) -> ApiResult<Import> {
        let policy = caller_policy(ctx)?;
        policy.admin("only the program's admins import")?;
        forget_reads(ctx)?;
        let c = input.credentials;
        let new = NewImport {
            source: input.source.into(),
            credentials: Credentials {
                api_key: c.api_key,
                account_id: c.account_id,
                public_key: c.public_key,
                secret_key: c.secret_key,
                base_url: c.base_url,
                csv: c.csv,
            },
            campaign_id: input.campaign_id.map(|id| id.0),
            group_id: input.group_id.map(|id| id.0),
            dry_run: input.dry_run,
        };
        let settings = ctx.data::<imports::Settings>().map_err(|_| {
            ApiError::internal("import settings", "the schema was built without them")
        })?;
        let actor = policy.principal().subject.clone();
        let row = imports::start(db(ctx)?, settings, policy.tenant_id(), &actor, new).await?;
        Ok(Import(row))
    }

    /// Cancels a running import (admins): the page being read is not
    /// written; `CONFLICT` once it has ended.
    async fn cancel_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The import's id.")] id: ID,
    ) -> ApiResult<Import> {
        let policy = caller_policy(ctx)?;
        policy.admin("only the program's admins import")?;
        forget_reads(ctx)?;
        Ok(Import(
            imports::cancel(db(ctx)?, policy.tenant_id(), &id).await?,
        ))
    }
}
