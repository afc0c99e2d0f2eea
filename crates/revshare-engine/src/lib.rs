//! The commission engine: pure money arithmetic, no I/O.
//!
//! Given terms (a [`RuleSet`]), a charge and the partner's history as plain
//! values, it returns the fee and a breakdown of every rule that contributed.
//! Architecture invariant: nothing in `engine` knows about SQL, GraphQL, HTTP
//! or the clock; every input arrives as an argument, so each function is
//! deterministic and cheap to test exhaustively.

pub mod accounts;
pub mod codec;
pub mod conditions;
pub mod countries;
pub mod deals;
pub mod engagement;
pub mod evaluation;
pub mod fx;
pub mod money;
pub mod plans;
pub mod retainers;
pub mod rules;
pub mod tiers;
pub mod us_accounts;
pub mod vat;

pub use codec::{CodecError, decode_rules, encode_rules};
pub use conditions::{Condition, Facts, FieldValue, Line, Outcome, Reward};
pub use money::{
    Currency, MoneyError, clawback_minor, decimals, largest_remainder, parse_decimal, share_minor,
};
pub use rules::{
    BreakdownLine, Charge, DescriptionTranslation, Evaluation, EventKind, LineEvaluation, Rule,
    RuleEntry, RuleError, RuleSet, RuleType, customer_month,
};
