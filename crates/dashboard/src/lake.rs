//! The drill-down's orders when the dashboard answers from a cube built elsewhere: the cube
//! has no orders, so the open seller's orders of the window are read from the lake (the
//! scored orders beside the cube, else the data folder's orders) by a background job, and
//! the Orders table says where it is reading from until they arrive.

use super::action::Effect;
use super::app::App;
use returnrisk_core::engine::Window;
use returnrisk_core::engine::seller::OrderRow;

/// Which seller and window orders were asked for.
pub type LakeKey = (String, Window);

/// Where the drill-down's orders stand.
#[derive(Clone, Debug, PartialEq)]
pub enum LakeOrders {
    /// Being read; what is read, in words.
    Reading(LakeKey, String),
    /// Read (the rows are the drill-down's orders).
    Read(LakeKey),
    /// Could not be read: why.
    Failed(LakeKey, String),
}

impl LakeOrders {
    fn key(&self) -> &LakeKey {
        match self {
            LakeOrders::Reading(k, _) | LakeOrders::Read(k) | LakeOrders::Failed(k, _) => k,
        }
    }

    /// What the Orders table says instead of its rows while there are none to show.
    pub fn message(&self) -> Option<&str> {
        match self {
            LakeOrders::Reading(_, what) | LakeOrders::Failed(_, what) => Some(what),
            LakeOrders::Read(_) => None,
        }
    }
}

impl App {
    /// Asks for the open drill-down's orders from the lake when the dashboard answers from a
    /// cube and they are not read for the seller and window on screen.
    pub(super) fn ask_lake_orders(&mut self) {
        let Some(table) = self.engine.lake_table() else {
            return;
        };
        let (window, cube) = (self.window, &self.engine.cube);
        let Some(v) = &mut self.pages.seller else {
            return;
        };
        let key = (v.detail.seller_id.clone(), window);
        if v.lake.as_ref().map(LakeOrders::key) == Some(&key) {
            return;
        }
        let days = (
            window.start_day(cube.last_day, cube.first_day),
            cube.last_day,
        );
        let what = format!(
            "reading {}'s orders of {} from {} (its day partitions only)...",
            key.0,
            returnrisk_core::engine::lake_orders::days_words(days.0, days.1),
            table.root.display()
        );
        v.lake = Some(LakeOrders::Reading(key.clone(), what));
        self.effects.push(Effect::LakeOrders {
            seller: key.0,
            window,
            days,
            table,
        });
    }

    /// A job's orders: shown if the drill-down still waits for them.
    pub(super) fn lake_orders_read(
        &mut self,
        seller: String,
        window: Window,
        rows: Result<Vec<OrderRow>, String>,
    ) {
        let Some(v) = &mut self.pages.seller else {
            return;
        };
        let key = (seller, window);
        if !matches!(&v.lake, Some(LakeOrders::Reading(k, _)) if *k == key) {
            return;
        }
        match rows {
            Ok(rows) => {
                v.detail.orders = rows;
                v.lake = Some(LakeOrders::Read(key));
            }
            Err(e) => {
                let why = format!("could not read the orders from the lake: {e}");
                v.lake = Some(LakeOrders::Failed(key, why));
            }
        }
        self.clamp_tables();
    }
}
