//! The chain's record numbers, one type per table: [`AddrIdx`], [`TxIdx`], [`InIdx`] and
//! [`OutIdx`] each name a record of one of [`super::Chain`]'s tables and index only that
//! table, so that an output's number cannot be used as an address's by mistake.
//!
//! Each is a u32, laid out as one ([`bytemuck::Pod`]), so that the records that hold them keep
//! their layout in memory and in an index file, and written out as that number. "None" (a
//! coinbase input spends no output, an unspent output has no spender, a data output pays no
//! address) is an [`Option`] everywhere but inside the records, where [`OptIdx`] keeps it in
//! the same four bytes (as `u32::MAX`, which no table reaches); only this module knows that.

use std::fmt;
use std::hash::Hash;
use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::ops::Range;

use bytemuck::{Pod, Zeroable};
use serde::Serialize;

/// What [`OptIdx`] holds for "none": a number no table reaches (ids are made below it).
const ABSENT: u32 = u32::MAX;

mod sealed {
    /// The number inside an id, for this module's generic code only.
    pub trait Raw: Copy {
        fn from_raw(raw: u32) -> Self;
        fn raw(self) -> u32;
    }
}

/// A record number of one of the chain's tables.
pub trait Id: sealed::Raw + Copy + Eq + Ord + Hash + fmt::Debug + Pod {
    /// The record at place `k` of its table.
    fn new(k: usize) -> Self;
    /// Its place in its table (and in anything kept parallel to that table).
    fn index(self) -> usize;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident: $what:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Pod, Zeroable, Serialize)]
        #[serde(transparent)]
        #[repr(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The record at place `k` of its table.
            pub fn new(k: usize) -> $name {
                match u32::try_from(k) {
                    Ok(raw) if raw != ABSENT => $name(raw),
                    _ => panic!(concat!("fewer than 2^32 - 1 ", $what)),
                }
            }

            /// Its place in its table (and in anything kept parallel to that table).
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl sealed::Raw for $name {
            fn from_raw(raw: u32) -> $name {
                $name(raw)
            }
            fn raw(self) -> u32 {
                self.0
            }
        }

        impl Id for $name {
            fn new(k: usize) -> $name {
                $name::new(k)
            }
            fn index(self) -> usize {
                $name::index(self)
            }
        }

        /// The number as it is written out (and hashed into keys and placeholders).
        impl From<$name> for u32 {
            fn from(id: $name) -> u32 {
                id.0
            }
        }
    )*};
}

ids! {
    /// An address: its place in [`super::Chain::addresses`].
    AddrIdx: "addresses";
    /// A transaction: its place in [`super::Chain::txs`] (chain order).
    TxIdx: "transactions";
    /// An input: its place in [`super::Chain::inputs`].
    InIdx: "inputs";
    /// An output: its place in [`super::Chain::outputs`].
    OutIdx: "outputs";
}

/// An id or none, in the four bytes of an id: how a record holds an optional reference.
/// Read it with [`OptIdx::get`]; make it from an [`Option`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Pod, Zeroable)]
#[repr(transparent)]
pub struct OptIdx<I> {
    raw: u32,
    id: PhantomData<I>,
}

impl<I: Id> OptIdx<I> {
    /// The id, or `None`.
    pub fn get(self) -> Option<I> {
        (self.raw != ABSENT).then(|| I::from_raw(self.raw))
    }

    pub fn is_some(self) -> bool {
        self.raw != ABSENT
    }

    pub fn is_none(self) -> bool {
        self.raw == ABSENT
    }
}

impl<I: Id> From<Option<I>> for OptIdx<I> {
    fn from(id: Option<I>) -> OptIdx<I> {
        OptIdx { raw: id.map_or(ABSENT, I::raw), id: PhantomData }
    }
}

impl<I: Id> fmt::Debug for OptIdx<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// Consecutive ids, `start` up to `end` excluded: a transaction's inputs or outputs, a block's
/// transactions. It iterates over the ids and indexes a table for the records' slice.
#[derive(Clone, PartialEq, Eq)]
pub struct IdRange<I> {
    range: Range<u32>,
    id: PhantomData<I>,
}

impl<I: Id> IdRange<I> {
    /// `len` ids from `first`.
    pub fn new(first: I, len: u32) -> IdRange<I> {
        IdRange { range: first.raw()..first.raw() + len, id: PhantomData }
    }

    /// The ids from `start` up to `end` excluded.
    pub fn between(start: I, end: I) -> IdRange<I> {
        IdRange { range: start.raw()..end.raw(), id: PhantomData }
    }

    /// The places in the table (for anything kept parallel to it).
    pub fn indices(&self) -> Range<usize> {
        self.range.start as usize..self.range.end as usize
    }

    pub fn contains(&self, id: I) -> bool {
        self.range.contains(&id.raw())
    }

    /// Where `id` lies in the range (a vout, an input's number), if it does.
    pub fn position(&self, id: I) -> Option<u32> {
        self.contains(id).then(|| id.raw() - self.range.start)
    }

    /// The id at position `k`, if the range is that long.
    pub fn at(&self, k: u32) -> Option<I> {
        let raw = self.range.start.checked_add(k)?;
        (raw < self.range.end).then(|| I::from_raw(raw))
    }
}

impl<I: Id> fmt::Debug for IdRange<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}..{:?}", I::from_raw(self.range.start), I::from_raw(self.range.end))
    }
}

impl<I: Id> Iterator for IdRange<I> {
    type Item = I;

    fn next(&mut self) -> Option<I> {
        self.range.next().map(I::from_raw)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }

    fn nth(&mut self, n: usize) -> Option<I> {
        self.range.nth(n).map(I::from_raw)
    }
}

impl<I: Id> DoubleEndedIterator for IdRange<I> {
    fn next_back(&mut self) -> Option<I> {
        self.range.next_back().map(I::from_raw)
    }
}

impl<I: Id> ExactSizeIterator for IdRange<I> {}

impl<I: Id> FusedIterator for IdRange<I> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_id_is_four_bytes_and_none_is_all_ones() {
        assert_eq!(size_of::<OptIdx<OutIdx>>(), 4);
        assert_eq!(bytemuck::cast::<OptIdx<OutIdx>, u32>(None.into()), u32::MAX);
        assert_eq!(bytemuck::cast::<OptIdx<OutIdx>, u32>(Some(OutIdx::new(7)).into()), 7);
        assert_eq!(OptIdx::from(Some(InIdx::new(0))).get(), Some(InIdx::new(0)));
        assert_eq!(OptIdx::<InIdx>::from(None).get(), None);
    }

    #[test]
    fn a_range_counts_its_ids() {
        let r = IdRange::new(TxIdx::new(3), 2);
        assert_eq!(r.clone().collect::<Vec<_>>(), vec![TxIdx::new(3), TxIdx::new(4)]);
        assert_eq!((r.len(), r.indices()), (2, 3..5));
        assert_eq!((r.position(TxIdx::new(4)), r.position(TxIdx::new(5))), (Some(1), None));
        assert_eq!((r.at(1), r.at(2)), (Some(TxIdx::new(4)), None));
    }

    #[test]
    #[should_panic(expected = "fewer than 2^32 - 1 outputs")]
    fn the_last_number_is_no_id() {
        let _ = OutIdx::new(u32::MAX as usize);
    }

    #[test]
    fn ids_are_written_as_numbers() {
        assert_eq!(serde_json::to_string(&AddrIdx::new(12)).unwrap(), "12");
    }
}
