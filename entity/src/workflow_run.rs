use sea_orm::entity::prelude::*;

/// A workflow acted on a partner: once per workflow and partner.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflow_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub workflow_id: String,
    pub partner_id: String,
    /// Each action's outcome, as JSON, in order.
    pub outcomes: String,
    pub ran_at: DateTimeUtc,
    /// Why it took no action (what of its workflow could not be read);
    /// none when it ran. A failed run is taken again when the workflow is
    /// next due for the partner.
    pub failure: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
