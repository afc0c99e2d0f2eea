use crate::enums::WorkflowTriggerKind;
use sea_orm::entity::prelude::*;

/// What to do to a partner when something happens to it (SPEC §35).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workflows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    /// The groups whose partners it acts on (JSON; empty: every group).
    pub group_ids: String,
    pub trigger_kind: WorkflowTriggerKind,
    /// The trigger, as JSON.
    pub trigger: String,
    /// The actions, as JSON, in order.
    pub actions: String,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
