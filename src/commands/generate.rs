//! `generate`: a deterministic demo dataset, never over data already there unless asked.

use super::output::emit_json;
use super::refuse_overwrite;
use crate::cli::GenerateArgs;
use crate::data::generate::GenerateOptions;
use crate::data::order_sink::OrdersLayout;
use crate::open::generate_with_progress;
use color_eyre::eyre::Result;

/// Writes the dataset `args` asks for and prints its summary as JSON.
pub fn generate(args: &GenerateArgs) -> Result<()> {
    refuse_overwrite(&args.out, args.force)?;
    let opts = GenerateOptions {
        orders: args.orders,
        sellers: args.sellers,
        marketplaces: args.marketplaces,
        days: args.days,
        seed: args.seed,
        layout: if args.partitioned {
            OrdersLayout::PartitionedByDay
        } else {
            OrdersLayout::Csv
        },
        ..GenerateOptions::default()
    };
    emit_json(&generate_with_progress(&args.out, &opts)?)
}
