//! The status line's state: where the models are, the load's warnings, and the latest
//! one-off message with when it appeared.

use returnrisk_core::model::store::Provenance;
use std::time::{Duration, Instant};

/// How long a status message stays (the next key clears it sooner).
pub const MESSAGE_TTL: Duration = Duration::from_secs(6);

/// Where the models are.
#[derive(Clone, Debug, PartialEq)]
pub enum Training {
    /// Loading saved models or starting to train.
    Starting,
    /// Training: models done of total.
    Running(usize, usize),
    /// Models are in use.
    Ready(Provenance),
    /// Training failed: the message, kept on the status line.
    Failed(String),
    /// Scores come from a cube built elsewhere (`--cube`): nothing is trained or scored here.
    FromCube,
}

/// What the status line says.
#[derive(Clone, Debug)]
pub struct Status {
    /// Model state.
    pub training: Training,
    /// Load warnings (rows skipped and why), kept on the status line.
    pub load_warning: Option<String>,
    /// The latest one-off message (export path, retrain started...); see [`MESSAGE_TTL`].
    pub message: Option<String>,
    /// When the message appeared.
    pub message_at: Option<Instant>,
}

impl Status {
    /// The status of a start: models loading (or scores from a cube), the load's warnings,
    /// no message.
    pub fn new(load_warning: Option<String>, from_cube: bool) -> Status {
        Status {
            training: if from_cube {
                Training::FromCube
            } else {
                Training::Starting
            },
            load_warning,
            message: None,
            message_at: None,
        }
    }

    /// Shows a one-off message.
    pub fn say(&mut self, text: impl Into<String>) {
        self.message = Some(text.into());
        self.message_at = Some(Instant::now());
    }

    /// When the message expires, if one is shown.
    pub fn message_expires(&self) -> Option<Instant> {
        self.message.as_ref()?;
        Some(self.message_at? + MESSAGE_TTL)
    }
}
