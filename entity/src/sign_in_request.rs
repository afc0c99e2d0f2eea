use sea_orm::entity::prelude::*;

/// A portal sign-in request (`requestPortalSignIn`), kept whether or not
/// the address is a partner's; its e-mail is written off the request's
/// path.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sign_in_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub tenant_id: String,
    /// The address asked for, lower-cased: forgotten once handled.
    pub email: Option<String>,
    /// The keyed hash of the requesting network (an IPv4 address, an IPv6
    /// /64); none when the client's address is not known.
    pub requested_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub handled_at: Option<DateTimeUtc>,
    /// The portal page asked from (`/payouts/01J…`): the link sent opens it.
    pub page: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
