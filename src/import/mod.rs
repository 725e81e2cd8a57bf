//! Importers: public datasets turned into data directories every command opens.
//!
//! - [`olist`]: the Brazilian e-commerce dataset by Olist (9 tables) at the right grain,
//!   with a causal feature set and a documented proxy label.

pub mod olist;
