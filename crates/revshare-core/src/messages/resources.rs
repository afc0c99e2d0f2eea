//! Resources (SPEC §37): what a program hands its partners in the portal —
//! logos, images and PDFs to download, texts to copy — grouped in
//! sections and ordered, for every partner or the partners of some groups.
//!
//! A file is judged by its bytes, never by its name or what a client says
//! it is: a `LOGO` is a PNG, JPEG, WebP or SVG, an `IMAGE` a PNG, JPEG,
//! GIF or WebP, a `PDF` a PDF; each 1 byte to 5 MiB. A `TEXT` is 1 to
//! 5,000 characters. Titles are at most 120 characters, sections 60.
//!
//! A file's bytes are kept apart from the resource (`resource_files`): a
//! list reads names, types and sizes, and the bytes are read only by
//! `GET /resources/{id}/{filename}`.
//!
//! A program keeps at most [`MAX_RESOURCES`]: a list is read whole, put
//! in order (sections by name, no section first; then position; then
//! title) and paged from there.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::input::{self, FileType};
use crate::paging::{Page, PageRequest};
use base64::Engine as _;
use entity::{resource, resource_file};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::cmp::Ordering;

/// The longest title.
pub const MAX_TITLE_CHARS: usize = 120;
/// The longest section name.
pub const MAX_SECTION_CHARS: usize = 60;
/// The longest text to copy.
pub const MAX_TEXT_CHARS: usize = 5_000;
/// The longest file name.
pub const MAX_FILENAME_CHARS: usize = 120;
/// The largest file: 5 MiB.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The most resources a program keeps.
pub const MAX_RESOURCES: u64 = 200;

/// What a resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Logo,
    Image,
    Pdf,
    Text,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Logo => "LOGO",
            ResourceKind::Image => "IMAGE",
            ResourceKind::Pdf => "PDF",
            ResourceKind::Text => "TEXT",
        }
    }

    /// A stored kind.
    pub fn parse(text: &str) -> ApiResult<ResourceKind> {
        match text {
            "LOGO" => Ok(ResourceKind::Logo),
            "IMAGE" => Ok(ResourceKind::Image),
            "PDF" => Ok(ResourceKind::Pdf),
            "TEXT" => Ok(ResourceKind::Text),
            other => Err(ApiError::internal("resource kind", other)),
        }
    }

    /// The file types it takes (none: it takes a text).
    pub fn takes(self) -> &'static [FileType] {
        match self {
            ResourceKind::Logo => &[FileType::Png, FileType::Jpeg, FileType::Webp, FileType::Svg],
            ResourceKind::Image => &[FileType::Png, FileType::Jpeg, FileType::Gif, FileType::Webp],
            ResourceKind::Pdf => &[FileType::Pdf],
            ResourceKind::Text => &[],
        }
    }
}

/// A file as sent: its name and its bytes in base64.
pub struct NewFile {
    pub filename: String,
    pub content: String,
}

/// What `createResource` asks for.
pub struct NewResource {
    pub kind: ResourceKind,
    pub title: String,
    pub section: Option<String>,
    pub position: i32,
    pub group_ids: Vec<String>,
    pub file: Option<NewFile>,
    pub text: Option<String>,
}

/// What `updateResource` changes: `None` leaves a field, `Some(None)`
/// clears the section.
#[derive(Default)]
pub struct ResourceChanges {
    pub title: Option<String>,
    pub section: Option<Option<String>>,
    pub position: Option<i32>,
    pub group_ids: Option<Vec<String>>,
    pub text: Option<String>,
}

fn check_title(title: &str) -> ApiResult<String> {
    input::required_line("input.title", title, MAX_TITLE_CHARS)
}

fn check_section(section: Option<&str>) -> ApiResult<Option<String>> {
    input::optional_line("input.section", section, MAX_SECTION_CHARS)
}

fn check_text(text: &str) -> ApiResult<String> {
    input::required_text("input.text", text, MAX_TEXT_CHARS)
}

/// A file name a download may carry: one line, no path, no quote.
fn check_filename(name: &str) -> ApiResult<String> {
    let name = input::required_line("input.file.filename", name, MAX_FILENAME_CHARS)?;
    if name.starts_with('.') || name.contains(['/', '\\', '"', '*', '?', ':', '<', '>', '|']) {
        return Err(ApiError::bad_input(
            "input.file.filename",
            "must be a file's name: not starting with a dot, without / \\ \" * ? : < > |",
        ));
    }
    Ok(name)
}

/// A file's bytes, checked: base64, 1 byte to 5 MiB, of a type `kind`
/// takes by its bytes.
fn check_content(kind: ResourceKind, content: &str) -> ApiResult<(Vec<u8>, FileType)> {
    let field = "input.file.content";
    let too_large = || {
        ApiError::bad_input(
            field,
            format!("must be at most {} MiB", MAX_FILE_BYTES / 1024 / 1024),
        )
    };
    // Its decoded size is known before anything is decoded.
    if content.len() / 4 * 3 > MAX_FILE_BYTES + 2 {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content.trim())
        .map_err(|_| ApiError::bad_input(field, "must be the file's bytes in base64"))?;
    if bytes.is_empty() {
        return Err(ApiError::bad_input(field, "must hold at least 1 byte"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let takes = kind.takes();
    let names: Vec<&str> = takes.iter().map(|t| t.name()).collect();
    let found = input::file_type(&bytes);
    match found {
        Some(found) if takes.contains(&found) => Ok((bytes, found)),
        _ => {
            let is = found.map_or("none of these".to_owned(), |t| format!("a {}", t.name()));
            Err(ApiError::bad_input(
                field,
                format!(
                    "a {} must be {}; its bytes are {is}",
                    kind.as_str(),
                    names.join(", ")
                ),
            ))
        }
    }
}

/// The groups a resource is for (empty: every partner).
pub fn groups_of(row: &resource::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("resource groups", &row.group_ids)
}

/// Whether a resource is for the partners of `group_id`.
pub fn is_for(row: &resource::Model, group_id: &str) -> ApiResult<bool> {
    let groups = groups_of(row)?;
    Ok(groups.is_empty() || groups.iter().any(|g| g == group_id))
}

/// Makes a resource (`campaigns:write`), checked whole first: a file's
/// bytes and its resource in one transaction.
pub async fn create(db: &Db, tenant_id: &str, new: NewResource) -> ApiResult<resource::Model> {
    let title = check_title(&new.title)?;
    let section = check_section(new.section.as_deref())?;
    let (file, text) = match (new.kind, &new.file, &new.text) {
        (ResourceKind::Text, Some(_), _) => {
            return Err(ApiError::bad_input(
                "input.file",
                "a TEXT resource takes a text, not a file",
            ));
        }
        (ResourceKind::Text, None, None) => {
            return Err(ApiError::bad_input(
                "input.text",
                "a TEXT resource must have a text",
            ));
        }
        (ResourceKind::Text, None, Some(text)) => (None, Some(check_text(text)?)),
        (kind, _, Some(_)) => {
            return Err(ApiError::bad_input(
                "input.text",
                format!("a {} takes a file, not a text", kind.as_str()),
            ));
        }
        (kind, None, None) => {
            return Err(ApiError::bad_input(
                "input.file",
                format!("a {} must have a file", kind.as_str()),
            ));
        }
        (kind, Some(file), None) => {
            let name = check_filename(&file.filename)?;
            let (bytes, found) = check_content(kind, &file.content)?;
            (Some((name, bytes, found)), None)
        }
    };
    let now = crate::db::now();
    let (new, title, section, file, text) = (&new, &title, &section, &file, &text);
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let group_ids =
                super::announcements::check_groups(conn, tenant_id, &new.group_ids).await?;
            let kept = resource::Entity::find()
                .filter(resource::Column::TenantId.eq(tenant_id))
                .count(conn)
                .await?;
            if kept >= MAX_RESOURCES {
                return Err(ApiError::Conflict(format!(
                    "a program keeps at most {MAX_RESOURCES} resources: delete one first"
                )));
            }
            let id = input::new_id();
            let row = resource::ActiveModel {
                id: Set(id.clone()),
                tenant_id: Set(tenant_id.to_owned()),
                kind: Set(new.kind.as_str().to_owned()),
                title: Set(title.clone()),
                section: Set(section.clone()),
                position: Set(new.position),
                group_ids: Set(group_ids),
                filename: Set(file.as_ref().map(|(name, _, _)| name.clone())),
                content_type: Set(file.as_ref().map(|(_, _, t)| t.content_type().to_owned())),
                size: Set(file
                    .as_ref()
                    .map(|(_, bytes, _)| i64::try_from(bytes.len()).unwrap_or(i64::MAX))),
                text: Set(text.clone()),
                created_at: Set(now),
                updated_at: Set(now),
            };
            let made = resource::Entity::insert(row)
                .exec_with_returning(conn)
                .await?;
            if let Some((_, bytes, _)) = file {
                resource_file::Entity::insert(resource_file::ActiveModel {
                    resource_id: Set(id),
                    tenant_id: Set(tenant_id.to_owned()),
                    bytes: Set(bytes.clone()),
                })
                .exec_without_returning(conn)
                .await?;
            }
            crate::activity::created("Resource", &made.id, &made);
            Ok(made)
        })
    })
    .await
}

/// Changes a resource's title, section, position, groups, or a `TEXT`'s
/// text (`campaigns:write`); a file is replaced by a new resource.
pub async fn update(
    db: &Db,
    tenant_id: &str,
    id: &str,
    changes: ResourceChanges,
) -> ApiResult<resource::Model> {
    let changes = &changes;
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("resource"))?;
            let mut changed = row.clone();
            if let Some(title) = &changes.title {
                changed.title = check_title(title)?;
            }
            if let Some(section) = &changes.section {
                changed.section = check_section(section.as_deref())?;
            }
            if let Some(position) = changes.position {
                changed.position = position;
            }
            if let Some(text) = &changes.text {
                if ResourceKind::parse(&row.kind)? != ResourceKind::Text {
                    return Err(ApiError::bad_input(
                        "input.text",
                        format!("a {} takes a file, not a text", row.kind),
                    ));
                }
                changed.text = Some(check_text(text)?);
            }
            if let Some(groups) = &changes.group_ids {
                changed.group_ids =
                    super::announcements::check_groups(conn, tenant_id, groups).await?;
            }
            changed.updated_at = crate::db::now();
            let saved = resource::Entity::update(sea_orm::ActiveModelTrait::reset_all(
                sea_orm::IntoActiveModel::into_active_model(changed),
            ))
            .exec(conn)
            .await?;
            crate::activity::compared(Some(&row), Some(&saved));
            Ok(saved)
        })
    })
    .await
}

/// Deletes a resource and its file (`campaigns:write`); its id.
pub async fn delete(db: &Db, tenant_id: &str, id: &str) -> ApiResult<String> {
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let row = find(conn, tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found("resource"))?;
            resource_file::Entity::delete_by_id(row.id.clone())
                .exec(conn)
                .await?;
            resource::Entity::delete_by_id(row.id.clone())
                .exec(conn)
                .await?;
            crate::activity::compared(Some(&row), None);
            Ok(row.id)
        })
    })
    .await
}

/// A resource of the tenant by id.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<resource::Model>> {
    Ok(resource::Entity::find_by_id(id.to_owned())
        .filter(resource::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}

/// A file resource's bytes.
pub async fn bytes_of(
    conn: &impl ConnectionTrait,
    row: &resource::Model,
) -> ApiResult<Option<Vec<u8>>> {
    Ok(resource_file::Entity::find_by_id(row.id.clone())
        .filter(resource_file::Column::TenantId.eq(row.tenant_id.as_str()))
        .one(conn)
        .await?
        .map(|file| file.bytes))
}

/// Where a file resource is downloaded: `/resources/{id}/{filename}`,
/// its name percent-encoded; none for a text.
pub fn url_of(row: &resource::Model) -> Option<String> {
    let name = row.filename.as_deref()?;
    Some(format!("/resources/{}/{}", row.id, percent_encoded(name)))
}

/// `name` percent-encoded byte by byte (UTF-8), all but RFC 3986's
/// unreserved characters: a path segment, or an RFC 5987 value.
pub fn percent_encoded(name: &str) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(byte));
            }
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

/// The tenant's resources in their order; for a partner's group only
/// those for it.
pub async fn ordered(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    group_id: Option<&str>,
) -> ApiResult<Vec<resource::Model>> {
    let mut rows = resource::Entity::find()
        .filter(resource::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?;
    if let Some(group) = group_id {
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            if is_for(&row, group)? {
                kept.push(row);
            }
        }
        rows = kept;
    }
    rows.sort_by(in_order);
    Ok(rows)
}

/// One page of `rows` (in their order): `request.size` rows after the
/// one its cursor (an id) names. A cursor naming no row of the list (one
/// deleted since) is refused, naming `after`.
pub fn page(
    mut rows: Vec<resource::Model>,
    request: &PageRequest,
) -> ApiResult<Page<resource::Model>> {
    let start = match &request.cursor {
        None => 0,
        Some(cursor) => match rows.iter().position(|row| &row.id == cursor) {
            Some(at) => at + 1,
            None => {
                return Err(ApiError::bad_input(
                    "after",
                    "names no resource of this list (it was deleted, or is not for you)",
                ));
            }
        },
    };
    let size = usize::try_from(request.size).unwrap_or(usize::MAX);
    let end = start.saturating_add(size).min(rows.len());
    let has_next = end < rows.len();
    rows.truncate(end);
    let rows = rows.split_off(start.min(end));
    Ok(Page {
        rows,
        has_previous: start > 0,
        has_next,
    })
}

/// The order of a list: sections by name (no section first), then
/// position, then title, each name compared without case first; the id
/// last, so that the order is total.
pub fn in_order(a: &resource::Model, b: &resource::Model) -> Ordering {
    fn name(text: &str) -> (String, &str) {
        (text.to_lowercase(), text)
    }
    fn section(row: &resource::Model) -> Option<(String, &str)> {
        row.section.as_deref().map(name)
    }
    section(a)
        .cmp(&section(b))
        .then(a.position.cmp(&b.position))
        .then_with(|| name(&a.title).cmp(&name(&b.title)))
        .then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, section: Option<&str>, position: i32, title: &str) -> resource::Model {
        let at = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        resource::Model {
            id: id.into(),
            tenant_id: "t".into(),
            kind: "TEXT".into(),
            title: title.into(),
            section: section.map(Into::into),
            position,
            group_ids: "[]".into(),
            filename: None,
            content_type: None,
            size: None,
            text: Some("x".into()),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn resources_go_by_section_then_position_then_title() {
        let mut rows = [
            row("1", Some("logos"), 0, "B"),
            row("2", Some("Banners"), 5, "z"),
            row("3", None, 9, "a"),
            row("4", Some("logos"), 0, "a"),
            row("5", Some("Banners"), -1, "y"),
            row("6", Some("logos"), 0, "a"),
        ];
        rows.sort_by(in_order);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["3", "5", "2", "4", "6", "1"]);
    }

    #[test]
    fn a_file_must_be_of_a_type_its_kind_takes() {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let gif = b64(b"GIF89a....");
        assert!(check_content(ResourceKind::Image, &gif).is_ok());
        let refused = check_content(ResourceKind::Logo, &gif)
            .err()
            .map(|e| e.to_string());
        assert!(refused.is_some_and(|m| m.contains("its bytes are a GIF")));
        assert!(check_content(ResourceKind::Pdf, &b64(b"%PDF-1.7\n%%EOF")).is_ok());
        assert!(check_content(ResourceKind::Pdf, "").is_err());
        assert!(check_content(ResourceKind::Pdf, "not base64!").is_err());
        assert!(check_filename("logo.svg").is_ok());
        assert!(check_filename("../logo.svg").is_err());
        assert!(check_filename(".htaccess").is_err());
    }
}
