//! How a tenant's program presents itself (SPEC §20): its name as partners
//! see it, the support address and the brand's colour, set by the
//! tenant's admins and read by every token of the tenant.

use crate::helpers::{TestApp, code, field};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    the_program_is_named_as_set_and_falls_back_to_the_tenants_name,
    program_settings_are_checked_naming_the_field_and_are_the_admins,
);

const PROGRAM: &str = "{ viewer { tenant { name programName supportEmail brandColor } } }";
const SET: &str = "mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { programName supportEmail brandColor } }";

async fn set(app: &TestApp, input: Value) -> Value {
    app.ok(&app.admin(), SET, json!({ "input": input })).await["updateTenant"].clone()
}

async fn the_program_is_named_as_set_and_falls_back_to_the_tenants_name(app: TestApp) {
    let admin = app.admin();
    let before = app.ok(&admin, PROGRAM, json!({})).await["viewer"]["tenant"].clone();
    let name = before["name"].as_str().unwrap().to_owned();
    assert_eq!(
        before,
        json!({ "name": name, "programName": name, "supportEmail": null, "brandColor": null })
    );

    let set_all = json!({
        "programName": "  Acme Partners  ",
        "supportEmail": "partners@acme.example",
        "brandColor": "#1A73E8",
    });
    assert_eq!(
        set(&app, set_all).await,
        json!({ "programName": "Acme Partners", "supportEmail": "partners@acme.example", "brandColor": "#1a73e8" })
    );
    // A partner reads how its program presents itself.
    let jane = app
        .create_partner(json!({ "name": "Jane", "email": "jane@example.com" }))
        .await;
    let seen = app.ok(&app.partner_token(&jane), PROGRAM, json!({})).await;
    assert_eq!(
        seen["viewer"]["tenant"],
        json!({ "name": name, "programName": "Acme Partners", "supportEmail": "partners@acme.example", "brandColor": "#1a73e8" })
    );

    // Omitted: unchanged; null (or an empty name): back to the default.
    assert_eq!(
        set(&app, json!({ "supportEmail": null })).await,
        json!({ "programName": "Acme Partners", "supportEmail": null, "brandColor": "#1a73e8" })
    );
    assert_eq!(
        set(&app, json!({ "programName": "", "brandColor": null })).await,
        json!({ "programName": name, "supportEmail": null, "brandColor": null })
    );
    // Renaming the tenant renames a program that has no name of its own.
    assert_eq!(
        set(&app, json!({ "name": "Acme Inc." })).await["programName"],
        "Acme Inc."
    );
}

async fn program_settings_are_checked_naming_the_field_and_are_the_admins(app: TestApp) {
    let admin = app.admin();
    for (input, at, message) in [
        (
            json!({ "brandColor": "blue" }),
            "input.brandColor",
            "must be a colour as #rrggbb (six hex digits)",
        ),
        (
            json!({ "brandColor": "#12345" }),
            "input.brandColor",
            "must be a colour as #rrggbb (six hex digits)",
        ),
        (
            json!({ "brandColor": "#12345g" }),
            "input.brandColor",
            "must be a colour as #rrggbb (six hex digits)",
        ),
        (
            json!({ "supportEmail": "partners at acme" }),
            "input.supportEmail",
            "must be an e-mail address",
        ),
        (
            json!({ "programName": "x".repeat(201) }),
            "input.programName",
            "must be at most 200 characters",
        ),
    ] {
        let error = app
            .error(Some(&admin), SET, json!({ "input": input }))
            .await;
        assert_eq!(
            (code(&error), field(&error)),
            ("BAD_USER_INPUT", at),
            "{error}"
        );
        assert_eq!(error["message"], format!("{at}: {message}"));
    }
    // Nothing was half written.
    let now = app.ok(&admin, PROGRAM, json!({})).await["viewer"]["tenant"].clone();
    assert_eq!(now["brandColor"], Value::Null);
    assert_eq!(now["supportEmail"], Value::Null);

    // The tenant's admins set them; a service token or a partner cannot.
    let service = app.service("partners:write");
    let error = app
        .error(
            Some(&service),
            SET,
            json!({ "input": { "brandColor": "#000000" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
    let jane = app.create_partner(json!({ "name": "Jane" })).await;
    let error = app
        .error(
            Some(&app.partner_token(&jane)),
            SET,
            json!({ "input": { "brandColor": "#000000" } }),
        )
        .await;
    assert_eq!(code(&error), "FORBIDDEN");
}
