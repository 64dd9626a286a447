//! Regula in the browser (being written).
