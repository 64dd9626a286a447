use std::fmt;

use crate::error::{Result, graph_err};

/// One dimension: known at build time, or named and bound when a session runs (the batch).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    Fixed(i64),
    Sym(String),
}

pub type Shape = Vec<Dim>;

impl Dim {
    pub fn fixed(&self) -> Option<i64> {
        match self {
            Dim::Fixed(n) => Some(*n),
            Dim::Sym(_) => None,
        }
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Fixed(n) => write!(f, "{n}"),
            Dim::Sym(s) => f.write_str(s),
        }
    }
}

/// Shape from known sizes.
pub fn fixed(dims: &[i64]) -> Shape {
    dims.iter().map(|&d| Dim::Fixed(d)).collect()
}

pub(crate) fn show(shape: &[Dim]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// Numpy-style broadcast of two shapes. A symbolic dimension against a fixed one other than 1 is
/// taken to be that fixed size; the runtime checks it.
pub fn broadcast_shapes(op: &str, a: &[Dim], b: &[Dim]) -> Result<Shape> {
    let rank = a.len().max(b.len());
    let mut out = Vec::with_capacity(rank);
    for i in 0..rank {
        let da = (i + a.len()).checked_sub(rank).map(|j| &a[j]);
        let db = (i + b.len()).checked_sub(rank).map(|j| &b[j]);
        let d = match (da, db) {
            (Some(x), None) | (None, Some(x)) => x.clone(),
            (Some(x), Some(y)) if x == y => x.clone(),
            (Some(Dim::Fixed(1)), Some(y)) => y.clone(),
            (Some(x), Some(Dim::Fixed(1))) => x.clone(),
            (Some(Dim::Sym(_)), Some(y @ Dim::Fixed(_))) | (Some(y @ Dim::Fixed(_)), Some(Dim::Sym(_))) => y.clone(),
            _ => return Err(graph_err(op, format!("cannot broadcast {} with {}", show(a), show(b)))),
        };
        out.push(d);
    }
    Ok(out)
}

/// Resolve a possibly negative axis against a rank.
pub fn normalize_axis(op: &str, axis: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if (0..r).contains(&a) {
        Ok(a as usize)
    } else {
        Err(graph_err(op, format!("axis {axis} out of range for rank {rank}")))
    }
}
