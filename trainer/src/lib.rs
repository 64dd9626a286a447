//! Regula's training engine (being written).
