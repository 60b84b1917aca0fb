//! A table of fixed-size records that is either built in memory (the simulator's tables, a
//! chain read from block files) or read in place from a memory-mapped index file (see
//! [`crate::forensics::store`]), so that a command that looks up one address on a world of a
//! million transactions touches a few pages instead of loading every table.
//!
//! A table reads like a slice (`table.iter()`, `table.len()`); writing to a mapped table first
//! copies it into memory (the map itself is never written). A table of the chain's records
//! ([`Record`]) is indexed by the records' own id (`chain.txs[t]` with `t` a
//! [`super::TxIdx`], `chain.inputs[r.inputs()]` with an [`IdRange`]), and by nothing else;
//! any other table, by position like a slice.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use bytemuck::Pod;

use super::ids::{Id, IdRange};

/// Records of type `T`, owned or mapped.
pub struct Table<T: Pod> {
    repr: Repr<T>,
}

enum Repr<T> {
    Owned(Vec<T>),
    /// `len` records starting at byte `offset` of `map`; offset and length were checked when
    /// the table was made (alignment of `T`, within the map).
    Mapped {
        map: Arc<Mapping>,
        offset: usize,
        len: usize,
    },
}

/// Bytes a mapped table reads: a read-only file mapping, or (for tests and for small files)
/// bytes in memory with the alignment records need.
pub enum Mapping {
    File(memmap2::Mmap),
    Memory(Vec<u64>),
}

impl Deref for Mapping {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Mapping::File(m) => m,
            Mapping::Memory(words) => bytemuck::cast_slice(words),
        }
    }
}

/// Why bytes cannot be read as a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a table of {len} records of {size} bytes at byte {offset} does not fit the {total} bytes, or is misaligned")]
pub struct TableError {
    pub offset: usize,
    pub len: usize,
    pub size: usize,
    pub total: usize,
}

impl<T: Pod> Table<T> {
    pub const fn new() -> Self {
        Table { repr: Repr::Owned(Vec::new()) }
    }

    pub fn with_capacity(n: usize) -> Self {
        Table { repr: Repr::Owned(Vec::with_capacity(n)) }
    }

    /// `len` records at byte `offset` of `map`.
    ///
    /// # Errors
    /// A [`TableError`] when they do not lie within the map or are not aligned for `T`.
    pub fn mapped(map: Arc<Mapping>, offset: usize, len: usize) -> Result<Self, TableError> {
        let size = std::mem::size_of::<T>();
        let err = TableError { offset, len, size, total: map.len() };
        let end = len.checked_mul(size).and_then(|n| n.checked_add(offset)).ok_or_else(|| err.clone())?;
        let bytes = map.get(offset..end).ok_or_else(|| err.clone())?;
        bytemuck::try_cast_slice::<u8, T>(bytes).map_err(|_| err)?;
        Ok(Table { repr: Repr::Mapped { map, offset, len } })
    }

    /// Whether the records are read from a map rather than held in memory.
    pub fn is_mapped(&self) -> bool {
        matches!(self.repr, Repr::Mapped { .. })
    }

    /// The records as a vector to change, copied out of the map first if mapped.
    pub fn vec_mut(&mut self) -> &mut Vec<T> {
        if let Repr::Mapped { .. } = self.repr {
            let owned = self.to_vec();
            self.repr = Repr::Owned(owned);
        }
        match &mut self.repr {
            Repr::Owned(v) => v,
            Repr::Mapped { .. } => unreachable!("made owned above"),
        }
    }

    pub fn push(&mut self, value: T) {
        self.vec_mut().push(value);
    }

    /// The records' bytes, as written into an index file.
    pub fn as_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self.as_slice())
    }

    /// The records as a slice, in order.
    pub fn as_slice(&self) -> &[T] {
        self
    }
}

/// A record of one of the chain's tables, and the id that names it there (the table's
/// `Index` by that id and by an [`IdRange`] of it is implemented beside each record).
pub trait Record: Pod {
    type Id: Id;
}

impl<T: Record> Table<T> {
    /// The record `id` names, if the table has it.
    pub fn get(&self, id: T::Id) -> Option<&T> {
        self.as_slice().get(id.index())
    }

    /// The records `ids` name, if the table has them all.
    pub fn get_range(&self, ids: IdRange<T::Id>) -> Option<&[T]> {
        self.as_slice().get(ids.indices())
    }

    /// The id the next record pushed gets.
    pub fn next_id(&self) -> T::Id {
        T::Id::new(self.len())
    }

    /// Every id of the table, in order.
    pub fn ids(&self) -> IdRange<T::Id> {
        IdRange::between(T::Id::new(0), self.next_id())
    }

    /// The records with their ids, in order.
    pub fn iter_ids(&self) -> impl DoubleEndedIterator<Item = (T::Id, &T)> + ExactSizeIterator {
        self.ids().zip(self.iter())
    }
}

impl<T: Pod> Deref for Table<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.repr {
            Repr::Owned(v) => v,
            Repr::Mapped { map, offset, len } => {
                // Checked in `mapped`: in bounds and aligned; the map never changes.
                bytemuck::cast_slice(&map[*offset..*offset + *len * std::mem::size_of::<T>()])
            }
        }
    }
}

impl<T: Pod> DerefMut for Table<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.vec_mut()
    }
}

impl<T: Pod> Default for Table<T> {
    fn default() -> Self {
        Table::new()
    }
}

impl<T: Pod> Clone for Table<T> {
    /// A mapped table's clone shares the map.
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Owned(v) => Table { repr: Repr::Owned(v.clone()) },
            Repr::Mapped { map, offset, len } => {
                Table { repr: Repr::Mapped { map: Arc::clone(map), offset: *offset, len: *len } }
            }
        }
    }
}

impl<T: Pod + std::fmt::Debug> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Pod> From<Vec<T>> for Table<T> {
    fn from(v: Vec<T>) -> Self {
        Table { repr: Repr::Owned(v) }
    }
}

impl<T: Pod> FromIterator<T> for Table<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Table::from(iter.into_iter().collect::<Vec<T>>())
    }
}

impl<T: Pod> Extend<T> for Table<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.vec_mut().extend(iter);
    }
}

impl<'a, T: Pod> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, T: Pod> IntoIterator for &'a mut Table<T> {
    type Item = &'a mut T;
    type IntoIter = std::slice::IterMut<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.vec_mut().iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapped_table_reads_in_place_and_copies_out_before_a_write() {
        let words: Vec<u64> = vec![1, 2, 3, 4];
        let map = Arc::new(Mapping::Memory(words));
        let mut t: Table<u32> = Table::mapped(Arc::clone(&map), 8, 4).unwrap();
        assert!(t.is_mapped());
        assert_eq!(&t[..], &[2, 0, 3, 0]);
        t[0] = 9;
        assert!(!t.is_mapped());
        assert_eq!(&t[..], &[9, 0, 3, 0]);
        assert_eq!(&map[8..12], &2u32.to_le_bytes(), "the map is never written");
    }

    #[test]
    fn a_table_past_the_end_or_misaligned_is_refused() {
        let map = Arc::new(Mapping::Memory(vec![0; 2]));
        assert!(Table::<u32>::mapped(Arc::clone(&map), 8, 3).is_err());
        assert!(Table::<u32>::mapped(Arc::clone(&map), 2, 1).is_err());
        assert!(Table::<u32>::mapped(Arc::clone(&map), usize::MAX - 2, 2).is_err());
        assert!(Table::<u64>::mapped(map, 8, 1).is_ok());
    }
}
