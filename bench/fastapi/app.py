"""The MLOps project's serving stack, for comparison: FastAPI + uvicorn + a scikit-learn
RandomForest (100 trees, as ours) trained on the same demo data. Accepts the same order JSON
as `returnrisk-tui serve`'s /api/v1/predict and answers the probability. Not part of the
test suite; run through run.sh."""

import os

import pandas as pd
from fastapi import FastAPI, Request
from sklearn.ensemble import RandomForestClassifier

DATA = os.environ.get("DATA", os.path.join(os.path.dirname(__file__), "..", "..", "data"))
NUMERIC = ["Product_Price", "Discount_Applied", "Delivery_Time_Days", "Customer_Return_Rate", "Product_Rating"]
CATEGORICAL = ["Product_Category", "Customer_Type", "Payment_Method"]

orders = pd.read_csv(os.path.join(DATA, "orders.csv"))
labelled = orders[orders["Returned"].notna()]
X = pd.get_dummies(labelled[NUMERIC + CATEGORICAL], columns=CATEGORICAL)
COLUMNS = list(X.columns)
model = RandomForestClassifier(n_estimators=100, max_depth=12, n_jobs=1, random_state=42)
model.fit(X.fillna(0).values, labelled["Returned"].astype(int).values)

app = FastAPI()


@app.post("/predict")
async def predict(request: Request):
    order = await request.json()
    row = {c: 0.0 for c in COLUMNS}
    for c in NUMERIC:
        row[c] = float(order.get(c) or 0.0)
    for c in CATEGORICAL:
        key = f"{c}_{order.get(c)}"
        if key in row:
            row[key] = 1.0
    p = model.predict_proba([[row[c] for c in COLUMNS]])[0][1]
    return {"risk_score": float(p)}
