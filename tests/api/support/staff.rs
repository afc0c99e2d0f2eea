//! Staff sessions as the area tests open them.

use crate::helpers::TestApp;
use serde_json::{Value, json};

pub(crate) const LINK: &str = "mutation($input: CreateStaffSignInLinkInput!) { createStaffSignInLink(input: $input) { url expiresAt } }";

pub(crate) const REDEEM: &str = "mutation($code: String!) { redeemStaffSignInLink(code: $code) { token expiresAt email role } }";

/// A staff link's code, made by the admin of the test tenant.
pub(crate) async fn staff_code(app: &TestApp, input: Value) -> String {
    let data = app.ok(&app.admin(), LINK, json!({ "input": input })).await;
    let url = data["createStaffSignInLink"]["url"].as_str().unwrap();
    url.strip_prefix("/admin/#code=")
        .expect("a console path")
        .to_owned()
}

/// A signed-in staff session's first token.
pub(crate) async fn staff_token(app: &TestApp, email: &str, role: &str) -> String {
    let code = staff_code(app, json!({ "email": email, "role": role })).await;
    let (_, body) = app.post(None, REDEEM, json!({ "code": code })).await;
    body["data"]["redeemStaffSignInLink"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned()
}
