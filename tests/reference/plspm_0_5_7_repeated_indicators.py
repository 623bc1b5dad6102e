"""Writes plspm_0_5_7_ecsi_repeated_indicators.json: the repeated-indicators HOC model fitted by plspm 0.5.7.

Run in the peer environment that `make bench-peers` builds:
    benchmarks/.venv-plspm/bin/python tests/reference/plspm_0_5_7_repeated_indicators.py data/raw/ecsi_mobi.csv \
        > tests/reference/plspm_0_5_7_ecsi_repeated_indicators.json
"""

import json
import sys

import pandas as pd
import plspm.config as c
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scheme import Scheme

data = pd.read_csv(sys.argv[1])
image, value = [f"IMAG{i}" for i in range(1, 6)], ["PERV1", "PERV2"]
for col in image + value:
    data[f"{col}|Satisfaction"] = data[col]
names = ["Expectation", "Satisfaction", "Image", "Value", "Loyalty"]
paths = [("Expectation", "Satisfaction"), ("Satisfaction", "Image"), ("Satisfaction", "Value"),
         ("Satisfaction", "Loyalty")]
matrix = pd.DataFrame(0, index=names, columns=names)
for cause, effect in paths:
    matrix.loc[effect, cause] = 1
blocks = {"Expectation": ["CUEX1", "CUEX2", "CUEX3"], "Satisfaction": [f"{x}|Satisfaction" for x in image + value],
          "Image": image, "Value": value, "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}
config = c.Config(matrix, scaled=False)
for name in names:
    config.add_lv(name, Mode.A, *[c.MV(col) for col in blocks[name]])
res = Plspm(data, config, Scheme.CENTROID, iterations=1000, tolerance=1e-12)
coef = res.path_coefficients()
out = {"produced_by": "plspm 0.5.7 (Python port of R plspm) in its own environment (pandas 2), "
                      "benchmarks/.venv-plspm; made by tests/reference/plspm_0_5_7_repeated_indicators.py",
       "model": "repeated indicators: Satisfaction measured by IMAG1-5 and PERV1-2 (copies), Satisfaction -> Image, "
                "Value, Loyalty; Expectation -> Satisfaction; Mode A, centroid, centred indicators (scaled=False), "
                "tolerance 1e-12",
       "path_coefficients": [{"from": a, "to": b, "value": float(coef.loc[b, a])} for a, b in paths],
       "r_squared": {k: float(v) for k, v in res.inner_summary()["r_squared"].items() if v > 0},
       "outer_loadings": {k: float(v) for k, v in res.outer_model()["loading"].items()},
       "outer_weights": {k: float(v) for k, v in res.outer_model()["weight"].items()}}
print(json.dumps(out, indent=1))
