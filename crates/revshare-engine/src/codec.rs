//! Rule sets as stored on groups, campaigns and snapshots: the JSON array
//! of their entries. What is stored was valid when written, so a rule set
//! that does not read back is corruption, never the client's error.

use super::{RuleEntry, RuleError, RuleSet};

/// Why stored rules did not read back (or could not be written).
#[derive(Debug)]
pub enum CodecError {
    Json(serde_json::Error),
    Rules(RuleError),
}

impl std::fmt::Display for CodecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CodecError::Json(err) => write!(f, "stored rules: {err}"),
            CodecError::Rules(err) => write!(f, "stored rules: {err:?}"),
        }
    }
}

/// The rules stored as `json`, validated again.
pub fn decode_rules(json: &serde_json::Value) -> Result<RuleSet, CodecError> {
    let entries: Vec<RuleEntry> = serde_json::from_value(json.clone()).map_err(CodecError::Json)?;
    RuleSet::new(entries).map_err(CodecError::Rules)
}

/// The JSON stored for `rules`.
pub fn encode_rules(rules: &RuleSet) -> Result<serde_json::Value, CodecError> {
    serde_json::to_value(rules.entries()).map_err(CodecError::Json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rule;
    use rust_decimal::Decimal;

    #[test]
    fn rules_read_back_as_written() {
        let json = serde_json::json!([
            {"type": "recurring", "percentage": "10", "description": "base"},
            {"type": "flat_fee", "amount": "5"}
        ]);
        let rules = decode_rules(&json).unwrap();
        assert_eq!(rules.entries().len(), 2);
        assert_eq!(
            rules.entries()[0].rule,
            Rule::Recurring {
                percentage: Decimal::new(10, 0),
                max_months: None
            }
        );
        assert_eq!(rules.entries()[0].description.as_deref(), Some("base"));
        let again = decode_rules(&encode_rules(&rules).unwrap()).unwrap();
        assert_eq!(again.entries(), rules.entries());
    }

    #[test]
    fn corruption_does_not_read_back() {
        let not_rules = serde_json::json!({"type": "recurring"});
        assert!(matches!(decode_rules(&not_rules), Err(CodecError::Json(_))));
        let invalid = serde_json::json!([{"type": "recurring", "percentage": "-1"}]);
        assert!(matches!(decode_rules(&invalid), Err(CodecError::Rules(_))));
    }
}
