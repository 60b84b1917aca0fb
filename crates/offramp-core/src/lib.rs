//! Offramp's domain, free of any engine: scenarios, the ledger simulator, the ground truth,
//! scoring and case files. The app and the CLI are thin layers over this crate.

/// Lists kept one entry per id, read and written by the id: `Index` and `IndexMut` by `$id`
/// for `[T]` and `Vec<T>` of each type named, through the id's `index()`.
macro_rules! indexed_by {
    ($id:ty => $($t:ty),+ $(,)?) => {$(
        impl std::ops::Index<$id> for [$t] {
            type Output = $t;
            fn index(&self, k: $id) -> &$t {
                &self[k.index()]
            }
        }

        impl std::ops::IndexMut<$id> for [$t] {
            fn index_mut(&mut self, k: $id) -> &mut $t {
                &mut self[k.index()]
            }
        }

        impl std::ops::Index<$id> for Vec<$t> {
            type Output = $t;
            fn index(&self, k: $id) -> &$t {
                &self[k.index()]
            }
        }

        impl std::ops::IndexMut<$id> for Vec<$t> {
            fn index_mut(&mut self, k: $id) -> &mut $t {
                &mut self[k.index()]
            }
        }
    )+};
}

pub mod answer;
pub mod board;
pub mod case;
pub mod class;
pub mod debrief;
pub mod diag;
pub mod export;
pub mod forensics;
pub mod format;
pub mod grade;
pub mod intel;
pub mod ledger;
pub mod legal;
pub mod locate;
pub mod outfile;
pub mod pack;
pub mod preview;
pub mod scenario;
pub mod score;
pub mod sim;
pub mod text;
pub mod time;
pub mod timing;
pub mod truth;
pub mod vocab;
pub mod world;
