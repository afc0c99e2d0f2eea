//! Exchange rates as the area tests import them.

use crate::helpers::TestApp;
use serde_json::{Value, json};

pub(crate) const IMPORT: &str = "mutation($input: ImportExchangeRatesInput!) { importExchangeRates(input: $input) { imported days accrued } }";

pub(crate) async fn import(app: &TestApp, source: &str, csv: &str) -> Value {
    app.ok(
        &app.admin(),
        IMPORT,
        json!({ "input": { "source": source, "csv": csv } }),
    )
    .await["importExchangeRates"]
        .clone()
}
