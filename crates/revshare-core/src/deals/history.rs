//! What a deal event's commissions depended on beyond the event itself,
//! kept on the event when it is recorded (`events.history_deal`, SPEC
//! §23): the version of the deal's terms in force, the deal's custom field
//! values, and what the event did to the deal. A replay of the event reads
//! it instead of the deal as it is now, which later amendments and edits
//! may have changed.

use crate::engine::deals::DealTrigger;
use crate::engine::plans::DealOptions;
use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealHistory {
    /// The version of the deal's terms in force.
    pub terms: i32,
    /// The deal's custom field values: field id → option id.
    #[serde(default, skip_serializing_if = "DealOptions::is_empty")]
    pub options: DealOptions,
    /// What the event did to the deal.
    pub did: Did,
}

/// What a deal event did to its deal, in the terms of the engine's
/// [`DealTrigger`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Did {
    /// The stages it reached for the first time.
    Stages { reached: Vec<String> },
    /// The deal's `count`-th payment; `reached` maps each stage reached
    /// before it to the payments recorded before that stage was.
    Payment {
        count: i32,
        reached: HashMap<String, i32>,
    },
}

impl Default for Did {
    fn default() -> Did {
        Did::Stages {
            reached: Vec::new(),
        }
    }
}

impl DealHistory {
    pub fn encode(&self) -> ApiResult<String> {
        serde_json::to_string(self).map_err(|e| ApiError::internal("encode deal history", e))
    }

    pub fn decode(text: &str) -> ApiResult<DealHistory> {
        serde_json::from_str(text).map_err(|e| ApiError::internal("stored deal history", e))
    }

    /// The trigger the event was to the deal's plans.
    pub fn trigger(&self) -> DealTrigger<'_> {
        match &self.did {
            Did::Stages { reached } => DealTrigger::Stages(reached),
            Did::Payment { count, reached } => DealTrigger::Payment {
                count: *count,
                reached,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_history_reads_back_as_written() {
        let payment = DealHistory {
            terms: 2,
            options: [("field".to_owned(), "option".to_owned())].into(),
            did: Did::Payment {
                count: 3,
                reached: [("won".to_owned(), 1)].into(),
            },
        };
        let stages = DealHistory {
            terms: 1,
            options: DealOptions::new(),
            did: Did::Stages {
                reached: vec!["a".to_owned(), "b".to_owned()],
            },
        };
        for history in [payment, stages] {
            let text = history.encode().unwrap();
            assert_eq!(DealHistory::decode(&text).unwrap(), history);
        }
        let text = DealHistory {
            terms: 1,
            options: DealOptions::new(),
            did: Did::Stages { reached: vec![] },
        }
        .encode()
        .unwrap();
        assert_eq!(text, r#"{"terms":1,"did":{"kind":"stages","reached":[]}}"#);
    }
}
