//! Resources (SPEC §37) as they are read: brand assets to download and
//! texts to copy in the partner portal.

use super::Seen;
use crate::graphql::scalars::DateTime;
use async_graphql::{Enum, ID, Object};
use entity::resource;
use revshare_core::auth::access::Column as C;
use revshare_core::auth::visible::Visible;
use revshare_core::error::ApiResult;
use revshare_core::messages::resources::{self as rules, ResourceKind as Kind};

/// What a resource is.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ResourceKind {
    /// A logo: a PNG, JPEG, WebP or SVG file.
    Logo,
    /// An image: a PNG, JPEG, GIF or WebP file.
    Image,
    /// A PDF file.
    Pdf,
    /// A text to copy (1 to 5,000 characters).
    Text,
}

impl From<ResourceKind> for Kind {
    fn from(kind: ResourceKind) -> Kind {
        match kind {
            ResourceKind::Logo => Kind::Logo,
            ResourceKind::Image => Kind::Image,
            ResourceKind::Pdf => Kind::Pdf,
            ResourceKind::Text => Kind::Text,
        }
    }
}

impl From<Kind> for ResourceKind {
    fn from(kind: Kind) -> ResourceKind {
        match kind {
            Kind::Logo => ResourceKind::Logo,
            Kind::Image => ResourceKind::Image,
            Kind::Pdf => ResourceKind::Pdf,
            Kind::Text => ResourceKind::Text,
        }
    }
}

/// A brand asset to download or a text to copy in the partner portal, in
/// a section and at a position, for every partner or the partners of some
/// groups (SPEC §37).
pub struct Resource(pub Visible<resource::Model>);

impl Seen for Resource {
    type Row = resource::Model;

    fn made(row: Visible<resource::Model>) -> Self {
        Resource(row)
    }

    fn visible(&self) -> &Visible<resource::Model> {
        &self.0
    }
}

impl Resource {
    fn row(&self) -> ApiResult<&resource::Model> {
        self.0.read(C::Row)
    }
}

/// A brand asset to download or a text to copy in the partner portal, in
/// a section and at a position, for every partner or the partners of some
/// groups (SPEC §37).
#[Object]
impl Resource {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// What it is.
    async fn kind(&self) -> ApiResult<ResourceKind> {
        Ok(Kind::parse(&self.row()?.kind)?.into())
    }

    /// Its title (at most 120 characters).
    async fn title(&self) -> ApiResult<&str> {
        Ok(&self.row()?.title)
    }

    /// The section it is shown in; null: none (shown first).
    async fn section(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.section.as_deref())
    }

    /// Its place in its section: lower first, then by title.
    async fn position(&self) -> ApiResult<i32> {
        Ok(self.row()?.position)
    }

    /// The groups whose partners see it; empty: every partner (staff; a
    /// partner reads none).
    async fn group_ids(&self) -> ApiResult<Vec<ID>> {
        if !self.0.reads(C::Details) {
            return Ok(Vec::new());
        }
        Ok(rules::groups_of(self.row()?)?.into_iter().map(ID).collect())
    }

    /// A file's name, as it downloads; null for a text.
    async fn filename(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.filename.as_deref())
    }

    /// A file's media type, as its bytes show (`image/png`, `image/svg+xml`,
    /// `application/pdf`…); null for a text.
    async fn content_type(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.content_type.as_deref())
    }

    /// A file's size in bytes; null for a text.
    async fn size(&self) -> ApiResult<Option<i32>> {
        Ok(self
            .row()?
            .size
            .map(|size| i32::try_from(size).unwrap_or(i32::MAX)))
    }

    /// Where the file downloads (`GET`, with a token that may read the
    /// resource; answered as an attachment); null for a text.
    async fn url(&self) -> ApiResult<Option<String>> {
        Ok(rules::url_of(self.row()?))
    }

    /// A text resource's text, to copy; null for a file.
    async fn text(&self) -> ApiResult<Option<&str>> {
        Ok(self.row()?.text.as_deref())
    }

    /// When it was made.
    async fn created_at(&self) -> ApiResult<DateTime> {
        Ok(self.row()?.created_at.into())
    }
}
