"""Scores a lake of orders with a returnrisk ONNX export in Spark and builds the cube.

    spark-submit spark/returnrisk_spark.py --lake LAKE --models ONNX_DIR [--out OUT]
    python spark/returnrisk_spark.py ...          (pyspark in the environment: local[*])

LAKE holds `orders/` partitioned by day (`orders/day=YYYY-MM-DD/*.parquet`, as `returnrisk-tui
generate --partitioned` and a warehouse export write it). ONNX_DIR is `returnrisk-tui export
onnx --out ONNX_DIR`: its manifest says which model scores which order and which columns the
cube reads. OUT (default: LAKE) receives

    scored/day=YYYY-MM-DD/   every order with `risk_score` and `model`
    cube/cells/day=.../      one row per (day, seller, category): our cube's cells
    cube/manifest.json       what the cube was built from (see spark/README.md)

A second run processes only the days whose files changed since the manifest was written
(new, rewritten or deleted partitions) and rewrites only those partitions; other models, risk
bands or a cube of another format rebuild every day.
"""
import argparse
import hashlib
import json
import sys
import time

FORMAT = "returnrisk-cube"
FORMAT_VERSION = 1
PRODUCER = "returnrisk-spark 1"
# The cube's count sums and money / score sums, in our Cell's order (engine/cube.rs).
COUNTS = ["orders", "labelled", "returned", "high", "cod", "payment_known", "rating_n", "delivery_n"]
SUMS = ["risk_sum", "risk_sq_sum", "risk_max", "revenue_at_risk", "rating_sum", "delivery_sum", "price_sum"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lake", required=True, help="folder holding orders/ partitioned by day")
    p.add_argument("--models", required=True, help="an `export onnx` folder (manifest.json)")
    p.add_argument("--out", help="where scored/ and cube/ go (default: the lake)")
    p.add_argument("--partition", default="day", help="the orders' partition column (day)")
    p.add_argument("--full", action="store_true", help="rebuild every day")
    p.add_argument("--master", default=None, help="Spark master when run from Python (local[*])")
    return p.parse_args(argv)


# ---- Scoring: onnxruntime inside the Python workers ---------------------------------------

_EXPORTS = {}


def _export(models_dir):
    """The manifest and one InferenceSession per model, loaded once per Python worker."""
    if models_dir not in _EXPORTS:
        import onnxruntime as ort

        with open(f"{models_dir}/manifest.json") as f:
            manifest = json.load(f)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # Spark runs one task per core already
        sessions = {
            m["name"]: ort.InferenceSession(f"{models_dir}/{m['file']}", options)
            for m in manifest["models"]
            if m["scores"]
        }
        _EXPORTS[models_dir] = (manifest, sessions)
    return _EXPORTS[models_dir]


def _feed(frame, manifest):
    """The models' inputs from a pandas frame of the orders' text columns."""
    import numpy as np
    import pandas as pd

    feed = {}
    for spec in manifest["inputs"]:
        column = frame[spec["column"]]
        if spec["type"] == "string":
            feed[spec["name"]] = column.fillna("").to_numpy(dtype=object)
            continue
        text = column.fillna("").astype(str).str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        for word, number in spec.get("values", {}).items():
            numbers = numbers.mask(text.str.lower() == word.lower(), number)
        feed[spec["name"]] = numbers.to_numpy(dtype=np.float64)
    return feed


def score_batches(models_dir):
    """mapInPandas's function: each batch's orders routed and scored as the manifest says."""

    def score(batches):
        import numpy as np

        manifest, sessions = _export(models_dir)
        seller_column = manifest["seller_column"]
        output = manifest["output"]["name"]
        for frame in batches:
            model = frame[seller_column].where(frame[seller_column].isin(sessions.keys()), "global")
            risk = np.empty(len(frame), dtype=np.float64)
            for name, rows in frame.groupby(model, sort=False).indices.items():
                part = frame.iloc[rows]
                (out,) = sessions[name].run([output], _feed(part, manifest))
                risk[rows] = out[:, 0]
            yield frame.assign(risk_score=risk, model=model.to_numpy())

    return score


# ---- The cube: Spark SQL over the scored orders --------------------------------------------

def _quote(name):
    return "`" + name.replace("`", "``") + "`"


def _text(values):
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def cube_sql(manifest, partition):
    """One row per (day, seller, category) with every sum our cube's Cell holds."""
    d = manifest["data"]
    high = float(manifest["risk_bands"]["high"])
    q = _quote

    def number(column):
        if column is None:
            return "CAST(NULL AS DOUBLE)"
        return f"CAST(NULLIF(TRIM({q(column)}), '') AS DOUBLE)"

    label = (
        f"CASE WHEN TRIM({q(d['label_column'])}) IN ({_text(d['label_true'])}) THEN 1 "
        f"WHEN TRIM({q(d['label_column'])}) IN ({_text(d['label_false'])}) THEN 0 END"
    )
    if d.get("payment_column") and d.get("cod_value") is not None:
        pay = f"NULLIF(TRIM({q(d['payment_column'])}), '')"
        cod = f"CASE WHEN {pay} IS NULL THEN NULL WHEN UPPER({pay}) = UPPER('{d['cod_value'].replace(chr(39), chr(39) * 2)}') THEN 1 ELSE 0 END"
    else:
        cod = "CAST(NULL AS INT)"
    price = number(d["price_column"])
    return f"""
        WITH o AS (
          SELECT {q(partition)} AS day, {q(manifest['seller_column'])} AS seller_id,
                 {q(d['category_column'])} AS category, risk_score AS risk,
                 {label} AS label, {cod} AS cod, {price} AS price,
                 {number(d.get('rating_column'))} AS rating,
                 {number(d.get('delivery_days_column'))} AS delivery
          FROM scored)
        SELECT day, seller_id, category,
          COUNT(*) AS orders,
          COUNT(label) AS labelled,
          COALESCE(SUM(label), 0) AS returned,
          COALESCE(SUM(CASE WHEN risk >= {high!r} THEN 1 ELSE 0 END), 0) AS high,
          COALESCE(SUM(cod), 0) AS cod,
          COUNT(cod) AS payment_known,
          COUNT(rating) AS rating_n,
          COUNT(delivery) AS delivery_n,
          SUM(risk) AS risk_sum,
          SUM(risk * risk) AS risk_sq_sum,
          MAX(risk) AS risk_max,
          SUM(risk * price) AS revenue_at_risk,
          COALESCE(SUM(rating), 0D) AS rating_sum,
          COALESCE(SUM(delivery), 0D) AS delivery_sum,
          SUM(price) AS price_sum
        FROM o GROUP BY day, seller_id, category"""


# ---- Which days changed: the partitions' files, fingerprinted ------------------------------

class Files:
    """The lake's file system through Hadoop's API (a local folder, HDFS or an object store)."""

    def __init__(self, spark):
        self.jvm = spark._jvm
        self.conf = spark._jsc.hadoopConfiguration()

    def path(self, p):
        return self.jvm.org.apache.hadoop.fs.Path(p)

    def fs(self, p):
        return self.path(p).getFileSystem(self.conf)

    def exists(self, p):
        return self.fs(p).exists(self.path(p))

    def partitions(self, root, column):
        """{value: fingerprint} of root's `column=value` folders: a hash of each data file's
        name, size and modification time."""
        fs, out = self.fs(root), {}
        if not fs.exists(self.path(root)):
            return out
        prefix = column + "="
        for status in fs.listStatus(self.path(root)):
            name = status.getPath().getName()
            if not status.isDirectory() or not name.startswith(prefix):
                continue
            h = hashlib.sha256()
            files = fs.listStatus(status.getPath())
            for f in sorted(files, key=lambda f: f.getPath().getName()):
                n = f.getPath().getName()
                if f.isFile() and not n.startswith((".", "_")):
                    h.update(f"{n}\0{f.getLen()}\0{f.getModificationTime()}\n".encode())
            out[name[len(prefix):]] = h.hexdigest()[:16]
        return out

    def delete(self, p):
        self.fs(p).delete(self.path(p), True)

    def read_text(self, p):
        if not self.exists(p):
            return None
        stream = self.fs(p).open(self.path(p))
        try:
            reader = self.jvm.java.io.BufferedReader(self.jvm.java.io.InputStreamReader(stream, "UTF-8"))
            return "\n".join(iter(reader.readLine, None))
        finally:
            stream.close()

    def write_text(self, p, text):
        """Writes `p` whole: a temporary file beside it, then a rename."""
        fs, tmp = self.fs(p), self.path(p + ".tmp")
        out = fs.create(tmp, True)
        out.write(bytearray(text.encode()))
        out.close()
        fs.delete(self.path(p), False)
        if not fs.rename(tmp, self.path(p)):
            raise OSError(f"could not rename {p}.tmp to {p}")


def model_key(manifest):
    """What the cube's scores depend on: each scoring model's name, version and run."""
    return {
        m["name"]: {"version": m.get("version"), "run_id": m.get("run_id")}
        for m in manifest["models"]
        if m["scores"]
    }


def plan(previous, inputs, manifest, full):
    """(days to process, days to delete, why) against the previous cube manifest."""
    every = sorted(inputs)
    if full or previous is None:
        return every, [], "no cube yet" if previous is None else "--full"
    if previous.get("format") != FORMAT or previous.get("format_version") != FORMAT_VERSION:
        return every, [], "the cube is of another format"
    if previous.get("models") != model_key(manifest):
        return every, [], "the models changed"
    if previous.get("risk_bands") != manifest["risk_bands"]:
        return every, [], "the risk bands changed"
    if previous.get("data") != manifest["data"]:
        return every, [], "the columns the cube reads changed"
    old = previous.get("inputs", {})
    changed = [d for d in every if old.get(d) != inputs[d]]
    gone = sorted(set(old) - set(inputs))
    return changed, gone, "incremental"


def run(spark, args):
    started = time.time()
    out = (args.out or args.lake).rstrip("/")
    orders_root = args.lake.rstrip("/") + "/orders"
    with open(f"{args.models}/manifest.json") as f:
        manifest = json.load(f)
    if manifest.get("format") != "returnrisk-onnx" or manifest.get("format_version") != 2:
        sys.exit(f"{args.models}/manifest.json: not a returnrisk ONNX export of format 2")
    files = Files(spark)
    cube_manifest_path = f"{out}/cube/manifest.json"
    previous_text = files.read_text(cube_manifest_path)
    previous = json.loads(previous_text) if previous_text else None
    inputs = files.partitions(orders_root, args.partition)
    if not inputs:
        sys.exit(f"{orders_root}: no {args.partition}=... partitions")
    days, gone, why = plan(previous, inputs, manifest, args.full)
    for d in gone:
        for table in ("scored", "cube/cells"):
            files.delete(f"{out}/{table}/{args.partition}={d}")
    if days:
        paths = [f"{orders_root}/{args.partition}={d}" for d in days]
        orders = spark.read.option("basePath", orders_root).parquet(*paths)
        from pyspark.sql.types import DoubleType, StringType, StructField, StructType

        schema = StructType(
            orders.schema.fields
            + [StructField("risk_score", DoubleType()), StructField("model", StringType())]
        )
        scored = orders.mapInPandas(score_batches(args.models), schema)
        # Full rebuilds replace the tables; an increment replaces only its days' partitions.
        mode = "overwrite"
        (scored.write.mode(mode).partitionBy(args.partition).parquet(f"{out}/scored"))
        written = spark.read.option("basePath", f"{out}/scored").parquet(
            *[f"{out}/scored/{args.partition}={d}" for d in days]
        )
        written.createOrReplaceTempView("scored")
        cells = spark.sql(cube_sql(manifest, args.partition))
        cells.write.mode(mode).partitionBy("day").parquet(f"{out}/cube/cells")
    totals = spark.read.parquet(f"{out}/cube/cells").agg({"orders": "sum", "*": "count"}).collect()[0]
    all_days = sorted(inputs)
    cube_manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "producer": f"{PRODUCER} (Spark {spark.version})",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "orders": int(totals["sum(orders)"] or 0),
        "cells": int(totals["count(1)"]),
        "first_day": all_days[0],
        "last_day": all_days[-1],
        "scored": True,
        "models": model_key(manifest),
        "models_trained_at": manifest["trained_at"],
        "models_data_fingerprint": manifest["data_fingerprint"],
        "risk_bands": manifest["risk_bands"],
        "label": {"name": manifest["label"]["name"], "plural": manifest["label"]["plural"]},
        "data": manifest["data"],
        "partition": args.partition,
        "inputs": inputs,
    }
    files.write_text(cube_manifest_path, json.dumps(cube_manifest, indent=1) + "\n")
    shown = days if len(days) <= 10 else days[:3] + ["..."] + days[-3:]
    return {
        "why": why,
        "days_processed": len(days),
        "days": shown,
        "days_deleted": gone,
        "orders": cube_manifest["orders"],
        "cells": cube_manifest["cells"],
        "seconds": round(time.time() - started, 3),
    }


def session(master):
    import os

    from pyspark.sql import SparkSession

    # The workers run this Python (its onnxruntime, pandas and pyarrow) unless told otherwise.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    builder = SparkSession.builder.appName("returnrisk")
    if master:
        builder = builder.master(master)
    return (
        builder.config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        # Partition values stay text (`2026-01-02`), as the folders spell them.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def main(argv):
    args = parse_args(argv)
    spark = session(args.master)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        print(json.dumps(run(spark, args), indent=1))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
