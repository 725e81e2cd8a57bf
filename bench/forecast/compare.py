"""Our volume forecast against the reference libraries, on the same series and origins.

For each data folder given, counts the orders of every day (all marketplaces, then each) from
orders.csv, replays the backtest of `returnrisk-tui forecast --backtest` (the last 8 weekly
origins, the last one a horizon before the end; MASE scaled by each origin's in-sample
one-week seasonal-naive MAE, pooled over the origins' days; coverage of the 90% interval) with:

- statsforecast's AutoETS (season 7, every model it considers, chosen by its AICc);
- statsmodels' ETSModel (additive errors and season, damped trend or none, by AICc: the
  family we fit), estimated by maximum likelihood;
- the seasonal-naive forecast,

and prints them beside our own figures (read from `returnrisk-tui forecast --backtest
--format json`). The counts are checked against ours (the actual orders of every origin) so
that both sides forecast the same series. With --check it fails (exit 1) when our MASE is
more than 1% above the better library's on any series or the pooled coverage of our 90%
intervals is outside 87-93%.

Usage: python compare.py BIN DATA_DIR [DATA_DIR...] [--check]
"""

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

SEASON = 7
ORIGINS = 8
HORIZONS = (7, 30)
# How far above the better library's MASE ours may be before --check fails.
TOLERANCE = 1.01


def daily_series(data_dir):
    """Orders per day for 'all' and each marketplace, over the data's whole day range."""
    orders = pd.read_csv(
        f"{data_dir}/orders.csv", usecols=["marketplace_id", "order_timestamp"]
    )
    day = pd.to_datetime(orders["order_timestamp"]).dt.normalize()
    days = pd.date_range(day.min(), day.max(), freq="D")
    out = {"all": day.value_counts().reindex(days, fill_value=0).to_numpy(float)}
    for m in sorted(orders["marketplace_id"].unique()):
        sel = day[orders["marketplace_id"] == m]
        out[m] = sel.value_counts().reindex(days, fill_value=0).to_numpy(float)
    return out, days


def autoets(history, h):
    from statsforecast.models import AutoETS

    f = AutoETS(season_length=SEASON).forecast(y=history, h=h, level=[90])
    return f["mean"], f["lo-90"], f["hi-90"]


def statsmodels_ets(history, h):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best = None
    series = pd.Series(history, index=pd.date_range("2000-01-03", periods=len(history), freq="D"))
    for trend in (None, "add"):
        model = ETSModel(
            series,
            error="add",
            trend=trend,
            damped_trend=trend is not None,
            seasonal="add",
            seasonal_periods=SEASON,
        )
        fit = model.fit(disp=False)
        if best is None or fit.aicc < best.aicc:
            best = fit
    frame = best.get_prediction(
        start=len(history), end=len(history) + h - 1
    ).summary_frame(alpha=0.10)
    return (
        frame["mean"].to_numpy(),
        frame["pi_lower"].to_numpy(),
        frame["pi_upper"].to_numpy(),
    )


def seasonal_naive(history, h):
    mean = np.array([history[len(history) - SEASON + (i % SEASON)] for i in range(h)])
    return mean, None, None


METHODS = {
    "AutoETS": autoets,
    "statsmodels": statsmodels_ets,
    "naive": seasonal_naive,
}


def backtest(y, h, method):
    """Pooled MASE, covered days and days over the origins (as our backtest does)."""
    err, n, covered = 0.0, 0, 0
    for k in range(ORIGINS - 1, -1, -1):
        end = len(y) - h - SEASON * k
        history = y[:end]
        if end < 4 * SEASON:
            continue
        scale = np.mean(np.abs(history[SEASON:] - history[:-SEASON]))
        mean, low, high = method(history, h)
        mean = np.maximum(np.asarray(mean, float), 0.0)
        actual = y[end : end + h]
        if scale > 0:
            err += float(np.sum(np.abs(actual - mean)) / scale)
        n += h
        if low is not None:
            low = np.maximum(np.asarray(low, float), 0.0)
            high = np.maximum(np.asarray(high, float), 0.0)
            covered += int(np.sum((low <= actual) & (actual <= high)))
    return err / n, covered, n


def ours(binary, data_dir, h):
    out = subprocess.run(
        [binary, "forecast", "--backtest", "--horizon", str(h), "--format", "json",
         "--data", data_dir],
        check=True, capture_output=True, text=True,
    ).stdout
    return {s["scope"]: s["volume"] for s in json.loads(out)["scopes"]}


def check_same_series(scope, y, h, volume):
    """Our backtest's actual orders per origin must be this script's."""
    for k, origin in enumerate(volume["origins"]):
        end = len(y) - h - SEASON * (len(volume["origins"]) - 1 - k)
        mine = float(np.sum(y[end : end + h]))
        if abs(mine - origin["actual"]) > 1e-9:
            sys.exit(f"{scope}: origin {origin['origin']} counts {mine}, ours {origin['actual']}")


def main(argv):
    check = "--check" in argv
    binary, *dirs = [a for a in argv if a != "--check"]
    rows, failures = [], []
    cov = {"ours": [0, 0], "AutoETS": [0, 0], "statsmodels": [0, 0]}
    for data_dir in dirs:
        series, _ = daily_series(data_dir)
        for h in HORIZONS:
            our = ours(binary, data_dir, h)
            for scope, y in series.items():
                volume = our[scope]
                check_same_series(scope, y, h, volume)
                row = {"data": data_dir, "h": h, "scope": scope, "ours": volume["mase"]}
                n_days = sum(o["days"] for o in volume["origins"])
                cov["ours"][0] += round(volume["coverage"] * n_days)
                cov["ours"][1] += n_days
                row["ours_cov"] = volume["coverage"]
                for name, method in METHODS.items():
                    mase, covered, n = backtest(y, h, method)
                    row[name] = mase
                    if name in cov:
                        cov[name][0] += covered
                        cov[name][1] += n
                        row[name + "_cov"] = covered / n
                rows.append(row)
                best = min(row["AutoETS"], row["statsmodels"])
                if row["ours"] > TOLERANCE * best:
                    failures.append(f"{data_dir} {h}d {scope}: MASE {row['ours']:.3f}, libraries' best {best:.3f}")
    print("| data | horizon | scope | ours | AutoETS | statsmodels ETS | seasonal naive "
          "| 90% coverage: ours | AutoETS | statsmodels |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['data']} | {r['h']} | {r['scope']} | {r['ours']:.3f} | {r['AutoETS']:.3f} "
              f"| {r['statsmodels']:.3f} | {r['naive']:.3f} | {100 * r['ours_cov']:.1f}% "
              f"| {100 * r['AutoETS_cov']:.1f}% | {100 * r['statsmodels_cov']:.1f}% |")
    pooled = {k: v[0] / v[1] for k, v in cov.items()}
    print("\npooled 90% coverage: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in pooled.items()))
    for lib in ("AutoETS", "statsmodels"):
        wins = sum(r["ours"] <= r[lib] for r in rows)
        worst = max(r["ours"] - r[lib] for r in rows)
        print(f"our MASE <= {lib}'s on {wins} of {len(rows)} series (at most {worst:+.4f} above)")
    if not 0.87 <= pooled["ours"] <= 0.93:
        failures.append(f"pooled coverage {100 * pooled['ours']:.1f}% outside 87-93%")
    if check and failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
