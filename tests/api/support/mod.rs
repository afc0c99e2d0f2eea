//! What the area modules share beside `helpers`: waiting on a condition
//! (never on the clock alone), and the waits of the background work a test
//! starts (an import to its end). An area module imports from here and
//! from `helpers`, not from another area module.

pub mod imports;
pub mod metrics;
pub mod wait;
