//! The optional TOML config file (risk bands for every command; the dashboard's theme,
//! default window and key bindings). Defaults live in `assets/default-config.toml`, compiled
//! in; a user file overrides any subset of keys. Key names are checked where keys are bound
//! (`tui::keymap`), which names this file in its error.

use returnrisk_core::config::RiskBands;
use returnrisk_core::engine::Window;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The compiled-in defaults.
pub const DEFAULT_CONFIG: &str = include_str!("../../../assets/default-config.toml");

/// Colour modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// ANSI, or RGB when the terminal says it supports truecolor.
    Auto,
    /// The 16 ANSI colours.
    Ansi,
    /// RGB colours.
    Truecolor,
    /// No colour.
    Mono,
}

/// `[theme]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeConfig {
    /// Colour mode.
    pub colors: ColorMode,
    /// ASCII-only symbols.
    pub ascii: bool,
}

/// `[risk]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskConfig {
    /// Bands preset or `MEDIUM,HIGH`.
    pub bands: String,
}

/// `[alerts]`: how many false alarms the tested alert rules may raise.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// False discovery rate of each tested rule's alerts, in (0, 1).
    pub fdr: f64,
    /// Labelled orders (orders for mean risk) a group needs to be tested.
    pub min_labelled: u64,
}

/// `[view]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewConfig {
    /// Window at start.
    pub window: String,
}

/// `[cases]`: how alerts become cases.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasesConfig {
    /// The window whose alerts are evaluated.
    pub window: String,
    /// Quiet evaluations in a row after which an open case recovers.
    pub recover_after: u32,
    /// Who acts, in the history (empty: `$USER`).
    pub user: String,
}

/// `[notify]`: webhooks for the cases.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Webhook URLs.
    pub webhooks: Vec<String>,
    /// `json` or `slack`.
    pub format: returnrisk_cases::notify::NotifyFormat,
    /// A daily digest too.
    pub digest: bool,
    /// Attempts per message.
    pub attempts: u32,
    /// Seconds one attempt may take.
    pub timeout_secs: u64,
}

/// `[keys]`: one key per configurable action.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    /// Quit.
    pub quit: String,
    /// Help overlay.
    pub help: String,
    /// Cycle the window.
    pub next_window: String,
    /// Cycle the window backwards.
    pub prev_window: String,
    /// Cycle the marketplace.
    pub next_marketplace: String,
    /// Cycle the marketplace backwards.
    pub prev_marketplace: String,
    /// Cycle the sort column.
    pub sort: String,
    /// Reverse the sort.
    pub reverse_sort: String,
    /// Start the live filter.
    pub filter: String,
    /// Open the command palette.
    pub palette: String,
    /// Copy the selected id (OSC 52).
    pub copy: String,
    /// Cycle the risk-band filter.
    pub band: String,
    /// Remove the drill-down's filter chips.
    pub clear_chips: String,
    /// Export the current table.
    pub export: String,
    /// Retrain the models.
    pub retrain: String,
    /// Order pane: start or end the what-if.
    pub what_if: String,
    /// Drill-down: cycle the category filter.
    pub order_category: String,
    /// Drill-down: cycle the status filter.
    pub order_status: String,
    /// Drill-down: cycle the payment filter.
    pub order_payment: String,
    /// Models tab: promote the chosen version.
    pub promote: String,
    /// Models tab: roll back the selected model.
    pub rollback: String,
    /// Models tab: choose an older version.
    pub next_version: String,
    /// Models tab: choose a newer version.
    pub prev_version: String,
    /// Monitoring tab: acknowledge the case.
    pub acknowledge: String,
    /// Monitoring tab: start investigating the case.
    pub investigate: String,
    /// Monitoring tab: escalate the case.
    pub escalate: String,
    /// Monitoring tab: resolve the case (asks for a note).
    pub resolve: String,
    /// Monitoring tab: reopen a resolved or recovered case.
    pub reopen: String,
    /// Monitoring tab: snooze the case (asks for days or a date).
    pub snooze: String,
    /// Monitoring tab: add a note to the case.
    pub note: String,
    /// Monitoring tab: give the case to someone.
    pub assign: String,
    /// Monitoring tab: mark the case (the case keys act on every marked case).
    pub mark: String,
}

/// The whole config.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[theme]`.
    pub theme: ThemeConfig,
    /// `[risk]`.
    pub risk: RiskConfig,
    /// `[alerts]`.
    pub alerts: AlertsConfig,
    /// `[view]`.
    pub view: ViewConfig,
    /// `[cases]`.
    pub cases: CasesConfig,
    /// `[notify]`.
    pub notify: NotifyConfig,
    /// `[keys]`.
    pub keys: KeysConfig,
    /// Where it was read from (`defaults` for the compiled-in config), for error messages.
    #[serde(skip)]
    pub source: String,
}

/// A config that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// What is wrong, naming the key.
    pub message: String,
}

/// Merges `over` into `base`, table by table (a user file may set a single key).
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

impl Config {
    /// The compiled-in defaults.
    pub fn defaults() -> Config {
        Self::parse_with_defaults("", "defaults")
            .unwrap_or_else(|e| unreachable!("bundled config is valid: {e}"))
    }

    /// Parses a user file's text over the defaults and validates values.
    pub fn parse_with_defaults(text: &str, path: &str) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_string(),
            message,
        };
        let mut base: toml::Table =
            toml::from_str(DEFAULT_CONFIG).map_err(|e| err(format!("bundled defaults: {e}")))?;
        let user: toml::Table =
            toml::from_str(text).map_err(|e| err(e.to_string().trim().to_string()))?;
        merge(&mut base, user);
        let cfg: Config = toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| err(e.to_string().trim().to_string()))?;
        RiskBands::parse(&cfg.risk.bands).map_err(|e| err(format!("risk.bands: {e}")))?;
        if !(cfg.alerts.fdr > 0.0 && cfg.alerts.fdr < 1.0) {
            return Err(err(format!(
                "alerts.fdr: {} is not a share between 0 and 1 (e.g. 0.10 for 10%)",
                cfg.alerts.fdr
            )));
        }
        if cfg.alerts.min_labelled == 0 {
            return Err(err("alerts.min_labelled: expected 1 or more".into()));
        }
        Window::parse(&cfg.view.window).map_err(|e| err(format!("view.window: {e}")))?;
        Window::parse(&cfg.cases.window).map_err(|e| err(format!("cases.window: {e}")))?;
        if cfg.cases.recover_after == 0 {
            return Err(err(
                "cases.recover_after: 0 would recover every case at once; expected 1 or more"
                    .into(),
            ));
        }
        for (i, url) in cfg.notify.webhooks.iter().enumerate() {
            returnrisk_cases::notify::Notify::check_url(url)
                .map_err(|e| err(format!("notify.webhooks[{i}]: {e}")))?;
        }
        if !(1..=100).contains(&cfg.notify.attempts) {
            return Err(err(format!(
                "notify.attempts: {} is not in 1..=100",
                cfg.notify.attempts
            )));
        }
        if !(1..=3600).contains(&cfg.notify.timeout_secs) {
            return Err(err(format!(
                "notify.timeout_secs: {} is not in 1..=3600 (an hour)",
                cfg.notify.timeout_secs
            )));
        }
        Ok(Config {
            source: path.to_string(),
            ..cfg
        })
    }

    /// Reads `--config FILE`, else the XDG config file if it exists, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => default_path().filter(|p| p.is_file()),
        };
        match path {
            None => Ok(Config::defaults()),
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| ConfigError {
                    path: p.display().to_string(),
                    message: format!("cannot read: {e}"),
                })?;
                Self::parse_with_defaults(&text, &p.display().to_string())
            }
        }
    }

    /// The risk bands (validated at parse time).
    pub fn bands(&self) -> RiskBands {
        RiskBands::parse(&self.risk.bands).unwrap_or_default()
    }

    /// The tested alert rules' FDR level and minimum evidence (validated at parse time).
    pub fn alert_policy(&self) -> returnrisk_core::engine::AlertPolicy {
        returnrisk_core::engine::AlertPolicy {
            fdr: self.alerts.fdr,
            min_labelled: self.alerts.min_labelled,
        }
    }

    /// How alerts become cases (validated at parse time).
    pub fn case_policy(&self) -> returnrisk_cases::Policy {
        let user = self.cases.user.trim();
        returnrisk_cases::Policy {
            window: Window::parse(&self.cases.window).unwrap_or(Window::Days(30)),
            recover_after: self.cases.recover_after,
            user: if user.is_empty() {
                returnrisk_cases::current_user()
            } else {
                user.to_string()
            },
            notify: returnrisk_cases::notify::Notify {
                webhooks: self.notify.webhooks.clone(),
                format: self.notify.format,
                digest: self.notify.digest,
                attempts: self.notify.attempts,
                timeout: std::time::Duration::from_secs(self.notify.timeout_secs),
            },
        }
    }

    /// The start window (validated at parse time).
    pub fn window(&self) -> Window {
        Window::parse(&self.view.window).unwrap_or(Window::Days(30))
    }
}

impl KeysConfig {
    /// (name, key) pairs.
    pub fn entries(&self) -> [(&'static str, &str); 32] {
        [
            ("quit", &self.quit),
            ("help", &self.help),
            ("next_window", &self.next_window),
            ("prev_window", &self.prev_window),
            ("next_marketplace", &self.next_marketplace),
            ("prev_marketplace", &self.prev_marketplace),
            ("sort", &self.sort),
            ("reverse_sort", &self.reverse_sort),
            ("filter", &self.filter),
            ("palette", &self.palette),
            ("copy", &self.copy),
            ("band", &self.band),
            ("clear_chips", &self.clear_chips),
            ("export", &self.export),
            ("retrain", &self.retrain),
            ("what_if", &self.what_if),
            ("order_category", &self.order_category),
            ("order_status", &self.order_status),
            ("order_payment", &self.order_payment),
            ("promote", &self.promote),
            ("rollback", &self.rollback),
            ("next_version", &self.next_version),
            ("prev_version", &self.prev_version),
            ("acknowledge", &self.acknowledge),
            ("investigate", &self.investigate),
            ("escalate", &self.escalate),
            ("resolve", &self.resolve),
            ("reopen", &self.reopen),
            ("snooze", &self.snooze),
            ("note", &self.note),
            ("assign", &self.assign),
            ("mark", &self.mark),
        ]
    }
}

/// `$XDG_CONFIG_HOME/returnrisk-tui/config.toml` (or `~/.config/...`).
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("returnrisk-tui").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_user_values_override() {
        let d = Config::defaults();
        assert_eq!(d.keys.quit, "q");
        assert_eq!(d.window(), Window::Days(30));
        let c = Config::parse_with_defaults(
            "[view]\nwindow = \"90\"\n[keys]\nquit = \"x\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(c.window(), Window::Days(90));
        assert_eq!(c.keys.quit, "x");
        assert_eq!(c.keys.help, "?");
    }

    #[test]
    fn bad_config_names_the_key() {
        let e = Config::parse_with_defaults("[view]\nwindow = \"14\"\n", "c.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml: view.window: bad window \"14\": expected 7, 30, 90 or all"
        );
        let e = Config::parse_with_defaults("[theme]\ncolour = \"mono\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = Config::parse_with_defaults("[risk]\nbands = \"0.9,0.1\"\n", "c.toml").unwrap_err();
        assert!(e.to_string().starts_with("c.toml: risk.bands: "), "{e}");
    }

    #[test]
    fn the_alert_policy_is_read_and_checked() {
        let d = Config::defaults().alert_policy();
        assert_eq!((d.fdr, d.min_labelled), (0.10, 10));
        let c = Config::parse_with_defaults("[alerts]\nfdr = 0.05\n", "c.toml").unwrap();
        assert_eq!(c.alert_policy().fdr, 0.05);
        let e = Config::parse_with_defaults("[alerts]\nfdr = 1.5\n", "c.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml: alerts.fdr: 1.5 is not a share between 0 and 1 (e.g. 0.10 for 10%)"
        );
        let e = Config::parse_with_defaults("[alerts]\nmin_labelled = 0\n", "c.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml: alerts.min_labelled: expected 1 or more"
        );
    }

    #[test]
    fn notification_counts_are_bounded() {
        let max = "[notify]\nattempts = 100\ntimeout_secs = 3600\n";
        assert!(Config::parse_with_defaults(max, "c.toml").is_ok());
        for (text, says) in [
            (
                "[notify]\nattempts = 0\n",
                "notify.attempts: 0 is not in 1..=100",
            ),
            (
                "[notify]\nattempts = 101\n",
                "notify.attempts: 101 is not in",
            ),
            (
                "[notify]\ntimeout_secs = 0\n",
                "notify.timeout_secs: 0 is not in",
            ),
            (
                "[notify]\ntimeout_secs = 9223372036854775807\n",
                "notify.timeout_secs",
            ),
        ] {
            let e = Config::parse_with_defaults(text, "c.toml").unwrap_err();
            assert!(e.to_string().starts_with(&format!("c.toml: {says}")), "{e}");
        }
    }
}
