//! The next page of a source read while this one is written: a page's
//! write and the source's answer for the next overlap, and a read still
//! running when the write ends is awaited under the lease
//! ([`super::guard::Hold::reading`]) as any other.

use super::source::{Page, PageError};
use super::sources::Source;
use entity::enums::ImportPhase;

/// A page being read while the one before it is written.
pub type Ahead<'s> = std::pin::Pin<Box<dyn Future<Output = Result<Page, PageError>> + Send + 's>>;

/// Starts reading the page of `phase` at `cursor`.
pub fn read_ahead(source: &Source, phase: ImportPhase, cursor: Option<String>) -> Ahead<'_> {
    Box::pin(async move { source.page(phase, cursor.as_deref()).await })
}

/// Runs `write` to its end while `next` is read beside it: what `write`
/// answered, and the next page's read — finished or still running — for
/// the next turn (to be awaited under [`super::guard::Hold::reading`]).
pub async fn write_beside<'s, T>(
    write: impl Future<Output = T>,
    next: Option<Ahead<'s>>,
) -> (T, Option<Ahead<'s>>) {
    let Some(mut next) = next else {
        return (write.await, None);
    };
    tokio::pin!(write);
    let mut read = None;
    let written = loop {
        tokio::select! {
            written = &mut write => break written,
            page = &mut next, if read.is_none() => read = Some(page),
        }
    };
    match read {
        Some(page) => (written, Some(Box::pin(std::future::ready(page)))),
        None => (written, Some(next)),
    }
}
