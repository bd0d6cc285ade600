#!/usr/bin/python3
"""The minimum-wage check of `kenes payroll check`, written as an analyst would in vectorised pandas.

The baseline bench/payroll/run.sh compares kenes against. Only the nmw.underpayment rule: pay for
minimum-wage purposes (gross pay, less deductions for the employer's benefit, plus the
accommodation offset when accommodation is free or less the charge above the offset) against hours
worked x the minimum wage for the worker's age band, both taken on the first day of the pay
reference period (rules/uk_pay.toml; REFERENCE.md section 1). Money is counted in integer pence
and rounded half up once, as the engine does, so that both find the same rows and shortfalls.

    nmw_pandas.py INPUT.csv OUTPUT.csv [--rows N]

Writes one row per underpaid payslip: line,worker_ref,period_start,required_pence,paid_pence,
shortfall_pence (line = the CSV line, the header being line 1). Prints "rows=N seconds=S" to
standard error: S is the time from reading the CSV to having written the findings, without the
interpreter's start-up and the imports. Assumes clean input (every row valid), as the generator
bench/payroll/generate.cc writes it; it does not reproduce the engine's row validation.
"""

import argparse
import sys
import time

import numpy as np
import pandas as pd

# rules/uk_pay.toml [[minimum_wage]]: effective date, the top band's minimum age, rates in pence
# for the top band, 21 up to the top band, 18-20, under 18; apprentice rate; daily offset.
# From April 2024 there is no 21-22 band: its column repeats the top rate.
RATES = pd.DataFrame(
    [
        ("2019-04-01", 25, 821, 770, 615, 435, 390, 755),
        ("2020-04-01", 25, 872, 820, 645, 455, 415, 820),
        ("2021-04-01", 23, 891, 836, 656, 462, 430, 836),
        ("2022-04-01", 23, 950, 918, 683, 481, 481, 870),
        ("2023-04-01", 23, 1042, 1018, 749, 528, 528, 910),
        ("2024-04-01", 21, 1144, 1144, 860, 640, 640, 999),
        ("2025-04-01", 21, 1221, 1221, 1000, 755, 755, 1066),
        ("2026-04-01", 21, 1271, 1271, 1085, 800, 800, 1110),
    ],
    columns=["from", "top_age", "top", "mid", "r18", "u18", "apprentice", "offset_daily"],
)
RATES["from"] = pd.to_datetime(RATES["from"])


def pence(col):
    """Pounds (float, NaN when empty) -> integer pence."""
    return np.rint(col.fillna(0).to_numpy(dtype="float64") * 100).astype("int64")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--rows", type=int, default=None, help="read only the first N data rows")
    a = p.parse_args()

    t0 = time.perf_counter()
    df = pd.read_csv(
        a.input,
        nrows=a.rows,
        dtype={"worker_ref": "string", "route": "string", "provider_ref": "string"},
    )

    # Dates, age on the PRP's first day (a birthday counts from its day).
    start = pd.to_datetime(df["period_start"], format="%Y-%m-%d")
    dob = pd.to_datetime(df["date_of_birth"], format="%Y-%m-%d")
    before_birthday = (start.dt.month < dob.dt.month) | (
        (start.dt.month == dob.dt.month) & (start.dt.day < dob.dt.day)
    )
    age = (start.dt.year - dob.dt.year - before_birthday.astype("int64")).to_numpy()

    # The rates in force on the PRP's first day (rows before the first entry are dropped).
    i = np.searchsorted(RATES["from"].to_numpy(), start.to_numpy(), side="right") - 1
    known = i >= 0
    i = np.where(known, i, 0)
    r = {c: RATES[c].to_numpy()[i] for c in RATES.columns if c != "from"}
    rate = np.select(
        [age >= r["top_age"], age >= 21, age >= 18], [r["top"], r["mid"], r["r18"]], r["u18"]
    )
    if "apprentice" in df:
        apprentice = df["apprentice"].astype("string").str.strip().str.lower().isin(["yes", "true", "1"])
        rate = np.where(apprentice.to_numpy(), r["apprentice"], rate)

    # Pay for minimum-wage purposes, in pence.
    gross = pence(df["gross_pay"])
    deductions = pence(df["deductions_employer_benefit"])
    charge = pence(df["accommodation_charge"])
    days = df["accommodation_days"].fillna(0).to_numpy(dtype="int64")
    offset = r["offset_daily"] * days
    effect = np.where(
        days > 0,
        np.where(charge == 0, offset, np.where(charge > offset, offset - charge, 0)),
        -charge,
    )
    paid = gross - deductions + effect

    # Required: hours worked x rate, rounded half up to the penny.
    hours = np.rint(df["hours_worked"].to_numpy(dtype="float64") * 1000).astype("int64")
    required = (hours * rate * 2 + 1000) // 2000

    under = known & (paid < required)
    out = pd.DataFrame(
        {
            "line": np.flatnonzero(under) + 2,
            "worker_ref": df["worker_ref"].to_numpy()[under],
            "period_start": df["period_start"].to_numpy()[under],
            "required_pence": required[under],
            "paid_pence": paid[under],
            "shortfall_pence": (required - paid)[under],
        }
    )
    out.to_csv(a.output, index=False)
    seconds = time.perf_counter() - t0
    print(f"rows={len(df)} underpaid={len(out)} seconds={seconds:.3f}", file=sys.stderr)


if __name__ == "__main__":
    main()
