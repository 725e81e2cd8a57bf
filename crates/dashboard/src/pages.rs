//! Every screen's own state: one field per tab, and the seller drill-down open over Sellers.
//! [`crate::app::App::page_of`] is the one dispatch from a tab to its page.

use crate::tabs::alerts::AlertsTab;
use crate::tabs::categories::CategoriesTab;
use crate::tabs::drift::DriftTab;
use crate::tabs::marketplace::MarketplaceTab;
use crate::tabs::models::ModelsTab;
use crate::tabs::monitoring::MonitoringTab;
use crate::tabs::seller::SellerView;
use crate::tabs::sellers::SellersTab;

/// The pages' state, each owned by its tab's module.
#[derive(Default)]
pub struct Pages {
    /// The Marketplace tab.
    pub market: MarketplaceTab,
    /// The Sellers tab.
    pub sellers: SellersTab,
    /// The Categories tab.
    pub categories: CategoriesTab,
    /// The Alerts tab.
    pub alerts: AlertsTab,
    /// The Models tab.
    pub models: ModelsTab,
    /// The Drift tab.
    pub drift: DriftTab,
    /// The Monitoring tab.
    pub monitoring: MonitoringTab,
    /// The seller drill-down, open over the Sellers tab.
    pub seller: Option<SellerView>,
}
