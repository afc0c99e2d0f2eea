use sea_orm::entity::prelude::*;

/// A partner's dismissal of an announcement: once per partner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcement_dismissals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub announcement_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: String,
    pub tenant_id: String,
    pub dismissed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
