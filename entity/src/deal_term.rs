use crate::enums::PlanMatch;
use sea_orm::entity::prelude::*;

/// A plan a deal froze, in one version of its terms.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_terms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    pub deal_id: String,
    pub version: i32,
    pub plan_id: String,
    /// The plan as it was when frozen: label, target, recipient rule, entries.
    pub plan: Json,
    pub matched_by: PlanMatch,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
