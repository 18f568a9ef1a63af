//! The merge rules, the same on every device and on the server (`docs/SYNC.md`):
//! - a row's life goes to the longer causal length (odd alive, even deleted), so a delete beats
//!   the edits made before it was seen and a re-creation beats that delete;
//! - while both sides agree on the life, each cell goes to the greater (HLC, device);
//! - a new life takes its cells whole.

use crate::hlc::Hlc;

/// What to do with an incoming row change, given the causal length held here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowDecision {
    /// The incoming change is older than the life held here: nothing of it applies.
    Stale,
    /// The row is (or stays) deleted; `new_life` when the incoming delete is the one to record.
    Dead { new_life: bool },
    /// The row is (or becomes) alive; `new_life` when it comes back or is created now, and its
    /// cells then all apply.
    Alive { new_life: bool },
}

/// `held_cl`: the causal length held here (0 for a row never seen); `incoming_cl`: the one the
/// change carries, `None` when it only changes cells.
pub fn decide_row(held_cl: i64, incoming_cl: Option<i64>) -> RowDecision {
    let incoming = incoming_cl.unwrap_or(held_cl);
    if incoming < held_cl {
        return RowDecision::Stale;
    }
    let new_life = incoming > held_cl;
    if incoming % 2 == 0 {
        RowDecision::Dead { new_life }
    } else {
        RowDecision::Alive { new_life }
    }
}

/// Whether an incoming cell stamped (hlc, device) replaces the one held here.
pub fn cell_wins(new_life: bool, held: Option<(Hlc, &str)>, incoming: (Hlc, &str)) -> bool {
    new_life || held.is_none_or(|held| incoming > held)
}

/// At equal causal length, whether an incoming life stamp replaces the one held (the row's
/// state does not change, only which device's stamp every replica keeps for it).
pub fn life_stamp_wins(held: Option<(Hlc, &str)>, incoming: (Hlc, &str)) -> bool {
    held.is_none_or(|held| incoming > held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longer_history_wins_the_row() {
        assert_eq!(
            decide_row(0, Some(1)),
            RowDecision::Alive { new_life: true }
        );
        assert_eq!(decide_row(1, None), RowDecision::Alive { new_life: false });
        assert_eq!(decide_row(1, Some(2)), RowDecision::Dead { new_life: true });
        assert_eq!(decide_row(2, Some(1)), RowDecision::Stale);
        assert_eq!(decide_row(2, None), RowDecision::Dead { new_life: false });
        assert_eq!(
            decide_row(2, Some(3)),
            RowDecision::Alive { new_life: true }
        );
    }

    #[test]
    fn a_cell_goes_to_the_greater_stamp_then_device() {
        let (early, late) = (Hlc::new(1, 0), Hlc::new(2, 0));
        assert!(cell_wins(false, None, (early, "a")));
        assert!(cell_wins(false, Some((early, "b")), (late, "a")));
        assert!(!cell_wins(false, Some((late, "a")), (early, "b")));
        assert!(cell_wins(false, Some((late, "a")), (late, "b")));
        assert!(!cell_wins(false, Some((late, "b")), (late, "a")));
        assert!(cell_wins(true, Some((late, "b")), (early, "a")));
    }
}
