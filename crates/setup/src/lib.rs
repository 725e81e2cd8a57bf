//! What every front end of returnrisk-tui shares before it shows anything: the user's
//! configuration file ([`config_file`]) and the one path from data settings to validated,
//! scored data ([`open`]).

pub mod config_file;
pub mod open;
