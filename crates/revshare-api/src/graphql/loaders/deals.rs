//! The deal pipeline's relations: a field's options, a deal's values and
//! terms, a plan's restrictions.

use super::{DirectoryLoader, ParentOf};
use async_graphql::dataloader::Loader;
use entity::{
    commission_plan_category, commission_plan_group, commission_plan_partner, custom_field_option,
    deal_field_value, deal_term, deal_term_version,
};
use revshare_core::error::ApiError;
use revshare_core::reads;
use std::collections::HashMap;

/// A custom field's options, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptionsOf(pub String);

/// The options a deal holds, by field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealValuesOf(pub String);

/// Every version of a deal's terms, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealTermVersionsOf(pub String);

/// The plans of every version of a deal's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealTermsOf(pub String);

/// A plan's restrictions: its groups, categories, partners.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanGroupsOf(pub String);
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanCategoriesOf(pub String);
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanPartnersOf(pub String);

children_of!(
    OptionsOf,
    custom_field_option,
    CustomFieldId,
    custom_field_id,
    Position
);
children_of!(
    DealValuesOf,
    deal_field_value,
    DealId,
    deal_id,
    CustomFieldId
);
children_of!(
    DealTermVersionsOf,
    deal_term_version,
    DealId,
    deal_id,
    Version
);
children_of!(DealTermsOf, deal_term, DealId, deal_id);
children_of!(
    PlanGroupsOf,
    commission_plan_group,
    PlanId,
    plan_id,
    GroupId
);
children_of!(
    PlanCategoriesOf,
    commission_plan_category,
    PlanId,
    plan_id,
    CategoryId
);
children_of!(
    PlanPartnersOf,
    commission_plan_partner,
    PlanId,
    plan_id,
    PartnerId
);
