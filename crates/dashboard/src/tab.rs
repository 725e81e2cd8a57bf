//! The dashboard's tabs, in order. A tab is a variant here and a module in `tabs/`; the app
//! dispatches to the module once ([`super::app::App::page`]).

/// One tab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tab {
    /// Health, KPIs, trend, categories, top sellers and alerts.
    #[default]
    Marketplace,
    /// Every seller in the window (or of one category).
    Sellers,
    /// Every category.
    Categories,
    /// The ranked alerts.
    Alerts,
    /// Runs, registry and what scores each seller.
    Models,
    /// Drift of the features against the models' training period.
    Drift,
    /// The alert cases a team works through.
    Monitoring,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 7] = [
        Tab::Marketplace,
        Tab::Sellers,
        Tab::Categories,
        Tab::Alerts,
        Tab::Models,
        Tab::Drift,
        Tab::Monitoring,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Marketplace => "Marketplace",
            Tab::Sellers => "Sellers",
            Tab::Categories => "Categories",
            Tab::Alerts => "Alerts",
            Tab::Models => "Models",
            Tab::Drift => "Drift",
            Tab::Monitoring => "Monitoring",
        }
    }

    /// Its title on a narrow terminal.
    pub fn short_title(self) -> &'static str {
        match self {
            Tab::Marketplace => "Market",
            Tab::Categories => "Categ",
            Tab::Monitoring => "Monit",
            other => other.title(),
        }
    }

    /// What its number key does, for the help.
    pub fn help(self) -> &'static str {
        match self {
            Tab::Marketplace => "Marketplace tab",
            Tab::Sellers => "Sellers tab",
            Tab::Categories => "Categories tab",
            Tab::Alerts => "Alerts tab",
            Tab::Models => "Models tab",
            Tab::Drift => "Drift tab",
            Tab::Monitoring => "Monitoring tab (alert cases)",
        }
    }

    /// Its position, from 0.
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    /// The tab `steps` to the right (negative: left), wrapping around.
    pub fn step(self, steps: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + steps).rem_euclid(n) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_wrap_both_ways() {
        assert_eq!(Tab::Marketplace.step(-1), Tab::Monitoring);
        assert_eq!(Tab::Monitoring.step(1), Tab::Marketplace);
        assert_eq!(Tab::Sellers.step(2), Tab::Alerts);
        for (i, t) in Tab::ALL.iter().enumerate() {
            assert_eq!(t.index(), i);
        }
    }
}
