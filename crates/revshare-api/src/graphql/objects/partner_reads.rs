//! What a partner's fields read besides their resolvers: the columns a
//! list reads for a selection, the fields a list answers in place
//! ([`ReadyFields`]), and the language a partner is written to. Its
//! resolvers are in [`super::directory`].

use super::{Partner, PartnerGroup, Seen};
use crate::graphql::context::{caller, loader, loader_in};
use crate::graphql::enums::{PartnerStatus, PartnerType};
use crate::graphql::loaders::{GroupId, primed};
use crate::graphql::ready::{ReadyFields, enumerated, in_place, scalar, text};
use crate::graphql::scalars::DateTime;
use async_graphql::parser::types::Field;
use async_graphql::{Context, ContextSelectionSet, Positioned, Value};
use entity::partner::Column as PartnerColumn;
use revshare_core::auth::access::Column as C;
use revshare_core::directory::columns;
use revshare_core::error::{ApiError, ApiResult};

impl Partner {
    /// The columns a field reads besides [`columns::ALWAYS`], for lists
    /// that read only what their selection asks for; `None` for a field not
    /// listed here, which then reads whole rows. Keep it beside the
    /// resolvers: a resolver that reads another column names it here.
    pub fn columns_of(field: &str) -> Option<&'static [PartnerColumn]> {
        Some(match field {
            "id" | "group" | "__typename" => &[],
            "name" => &[PartnerColumn::Name],
            "email" => &[PartnerColumn::Email],
            "externalId" => &[PartnerColumn::ExternalId],
            "country" => &[PartnerColumn::Country],
            "language" => &[PartnerColumn::Language],
            "type" => &[PartnerColumn::Type],
            "status" => &[PartnerColumn::Status],
            "createdAt" => &[PartnerColumn::CreatedAt],
            "updatedAt" => &[PartnerColumn::UpdatedAt],
            _ => return None,
        })
    }

    /// The columns `fields` of partners read ([`Partner::columns_of`]), or
    /// `None` when one of them needs whole rows.
    pub fn columns<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<Vec<PartnerColumn>> {
        revshare_core::reads::lists::columns_read(&columns::ALWAYS, fields, Self::columns_of)
    }
}

impl ReadyFields for Partner {
    fn ready(&self, name: &str) -> Option<Value> {
        match name {
            "id" => return Some(Value::String(self.0.key().id.clone())),
            "name" => return Some(Value::String(self.0.read(C::Label).ok()?.name.clone())),
            _ => {}
        }
        let row = self.0.read(C::Details).ok()?;
        Some(match name {
            "email" => text(row.email.as_deref()),
            "externalId" => text(row.external_id.as_deref()),
            "type" => enumerated::<PartnerType>(row.r#type),
            "status" => enumerated::<PartnerStatus>(row.status),
            "createdAt" => scalar(DateTime::from(row.created_at)),
            "updatedAt" => scalar(DateTime::from(row.updated_at)),
            _ => return None,
        })
    }

    fn related(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> Option<Value> {
        if field.node.name.node != "group" {
            return None;
        }
        let row = self.0.read(C::Details).ok()?;
        let group = primed::<GroupId>(&*loader_in(ctx)?, &row.group_id)?;
        in_place(ctx, field, PartnerGroup::seen(caller(ctx)?, group)?)
    }
}

impl Partner {
    /// The language it is written to: its own while the tenant offers it,
    /// else the tenant's default.
    pub(super) async fn language_read(&self, ctx: &Context<'_>) -> ApiResult<String> {
        let chosen = self.0.read(C::Details)?.language.clone();
        let tenant = loader(ctx)?
            .load_one(crate::graphql::loaders::TenantRow)
            .await?
            .ok_or_else(|| ApiError::internal("tenant", "missing"))?;
        let offered = revshare_core::languages::Offered::of(&tenant);
        Ok(offered.reads(chosen.as_deref()).to_owned())
    }
}
