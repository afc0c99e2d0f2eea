//! Partners who bring partners, spend caps and bounties (SPEC §31): the
//! levers a brand pulls once its program runs.
//!
//! - [`settings`]: a group's referral rule and a group's or campaign's
//!   cap, as kept and as checked;
//! - [`referrers`]: who recruited whom — set by an admin or by the join
//!   page, never oneself and never in a cycle;
//! - [`referrals`]: the referrer's rewards, written beside the recruit's
//!   commissions at accrual and following them through approval,
//!   maturity, reversal and refunds;
//! - [`caps`]: what each partner of a batch has spent of each cap, and
//!   the cut;
//! - [`bounties`]: rewards for a goal reached or for work staff approve;
//! - [`workflows`]: what happens to a partner approved, or reaching a
//!   metric, once per partner (SPEC §35).
//!
//! The ledger's accrual calls [`caps`] and [`referrals`] inside its
//! batch's transaction, under the partners' locks; the posting layer
//! moves a referral reward with the commission it came from. The ledger
//! also asks [`bounties::awards`] which goals a batch reached, and writes
//! their rewards.

pub mod bounties;
pub mod caps;
pub mod referrals;
pub mod referrers;
pub mod settings;
pub mod workflows;
