//! Broadcasts' figures: how many of each broadcast's messages were read.

use super::DirectoryLoader;
use async_graphql::dataloader::Loader;
use revshare_core::error::ApiError;
use revshare_core::messages::broadcasts;
use std::collections::HashMap;

/// How many of a broadcast's messages their recipients have read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadsOfBroadcast(pub String);

impl Loader<ReadsOfBroadcast> for DirectoryLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ReadsOfBroadcast],
    ) -> Result<HashMap<ReadsOfBroadcast, u64>, ApiError> {
        let ids = keys.iter().map(|k| k.0.clone());
        let counts = broadcasts::read_counts(&self.conn, &self.tenant_id, ids).await?;
        let mut found: HashMap<ReadsOfBroadcast, u64> =
            keys.iter().map(|k| (k.clone(), 0)).collect();
        for (broadcast, read) in counts {
            found.insert(ReadsOfBroadcast(broadcast), read);
        }
        Ok(found)
    }
}
