//! Imports (SPEC §25): a program brought over from Rewardful,
//! FirstPromoter, PartnerStack, Tolt, Tapfiliate or CSV files, in the background.
//! Admins start and cancel them; the console's viewers read them too; a
//! partner never does. Credentials are taken, never answered.

use crate::graphql::connection::{Connection, TotalCount};
use crate::graphql::context::{db, forget_reads, policy as caller_policy};
use crate::graphql::scalars::DateTime;
use async_graphql::connection::Edge;
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use entity::import;
use revshare_core::auth::access::{Column as C, Policy};
use revshare_core::auth::visible::Visible;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::imports::sources::Credentials;
use revshare_core::imports::{self, NewImport};

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
    /// Tolt's API: `apiKey`, and `accountId` its program's id.
    Tolt,
    /// Tapfiliate's API v1.6: `apiKey`, and `accountId` its program's id.
    Tapfiliate,
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
    /// Rewardful's API secret; FirstPromoter's, Tolt's or Tapfiliate's API
    /// key.
    pub api_key: Option<String>,
    /// FirstPromoter's account id (`Account-ID`); the id of the Tolt or
    /// Tapfiliate program read.
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

/// An import, as its caller reads it (the console's staff alone).
pub struct Import(pub Visible<import::Model>);

impl Import {
    /// `row` as `policy`'s caller sees it: none for a partner's token.
    pub(crate) fn seen(policy: &Policy, row: import::Model) -> Option<Import> {
        Visible::new(policy, row).map(Import)
    }

    /// What a mutation of the console's answers.
    fn answered(policy: &Policy, row: import::Model) -> ApiResult<Import> {
        Import::seen(policy, row).ok_or_else(|| ApiError::not_found("import"))
    }
}

/// A program brought over from another platform (SPEC §25): its partners,
/// codes, customers and commissions, read page by page in the background.
#[Object]
impl Import {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The platform.
    async fn source(&self) -> ApiResult<ImportSource> {
        let row = self.0.read(C::Row)?;
        Ok(row.source.into())
    }

    /// Where it stands.
    async fn status(&self) -> ApiResult<ImportStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// Whether it only reads and counts.
    async fn dry_run(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        Ok(row.dry_run)
    }

    /// How far it is, from 0 to 1 (1 once it ended): a quarter per phase —
    /// campaigns, partners, customers, commissions.
    async fn progress(&self) -> ApiResult<f64> {
        let row = self.0.read(C::Row)?;
        Ok(imports::progress(row))
    }

    /// What it brought over so far.
    async fn counts(&self) -> ApiResult<ImportCounts> {
        let row = self.0.read(C::Row)?;
        Ok(ImportCounts {
            partners: row.partners,
            codes: row.codes,
            customers: row.customers,
            commissions: row.commissions,
            skipped: row.skipped,
            unchanged: row.unchanged,
            requests: row.requests,
        })
    }

    /// The campaign imported partners are enrolled in.
    async fn campaign_id(&self) -> ApiResult<ID> {
        let row = self.0.read(C::Row)?;
        Ok(ID(row.campaign_id.clone()))
    }

    /// When it was started.
    async fn started_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(DateTime::from(row.started_at))
    }

    /// When it finished, failed or was cancelled.
    async fn finished_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.finished_at.map(DateTime::from))
    }

    /// Why it failed: the source's answer, or the row that did not parse.
    async fn error(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.error.as_deref())
    }

    /// The rows not imported, in the order they were met.
    async fn problems(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, 50 when omitted).")] first: Option<i32>,
        #[graphql(desc = "The cursor of the row before the page.")] after: Option<String>,
    ) -> ApiResult<ImportProblemConnection> {
        let row = self.0.read(C::Row)?;
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
        let rows = imports::problems(db(ctx)?.conn(), &row.id, from, size + 1).await?;
        let has_next = rows.len() as u64 > size;
        let total = TotalCount::known(row.problems.max(0) as u64);
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
        policy.finds(revshare_core::auth::access::Kind::Import)?;
        let found = imports::find(db(ctx)?.conn(), policy.tenant_id(), &id).await?;
        Ok(found.and_then(|row| Import::seen(policy, row)))
    }

    /// The program's imports, newest first.
    async fn imports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many (1–100, 50 when omitted).")] first: Option<i32>,
        #[graphql(desc = "The cursor of the import before the page.")] after: Option<String>,
    ) -> ApiResult<ImportConnection> {
        let policy = caller_policy(ctx)?;
        policy.finds(revshare_core::auth::access::Kind::Import)?;
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
            let cursor = row.id.clone();
            if let Some(import) = Import::seen(policy, row) {
                connection.edges.push(Edge::new(cursor, import));
            }
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
        Import::answered(policy, row)
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
        let row = imports::cancel(db(ctx)?, policy.tenant_id(), &id).await?;
        Import::answered(policy, row)
    }
}
