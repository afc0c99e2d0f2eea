//! Wiring: the database, migrations, keys, schema and router of a running
//! revshare, shared by `revshare serve` and the integration tests.

use crate::auth::jwt::Keys;
use crate::db::Db;
use crate::graphql;
use crate::http::{AppState, router};
use axum::Router;
use migration::{Migrator, MigratorTrait};
use sea_orm::DbErr;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    Migrator::up(db.conn(), None).await
}

/// The HTTP application over a migrated database.
pub fn build(db: Db, keys: Keys, graphiql_token: Option<&str>, loader_delay: Duration) -> Router {
    let schema = graphql::schema(Some(db.clone()));
    router(AppState::new(
        schema,
        db,
        keys,
        graphiql_token,
        loader_delay,
    ))
}

/// Serves until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
