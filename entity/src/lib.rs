//! SeaORM entities, one module per table. Rows only: no behaviour lives here.
//! Money columns end in `_minor` (integer minor units of `currency`); rules are
//! JSON with decimal strings; ids are ULID strings; every row has `tenant_id`.

pub mod category;
pub mod partner;
pub mod partner_category;
pub mod partner_group;
pub mod tenant;
