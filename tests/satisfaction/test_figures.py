"""The satisfaction figures draw on the Axes they are given and speak the reader's language (lang="zh")."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import crmlab as cl
from crmlab import satisfaction as sat
from crmlab import simulation as sim

#: Latin words a Chinese figure may keep: coefficient names, abbreviations and data codes.
ALLOWED = {"Better", "Worse", "PDCA", "HTMT"}


def english_words(ax) -> set[str]:
    """Latin words of three letters or more in the title, axis labels, ticks, legend and annotations."""
    texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *[t.get_text() for t in ax.get_xticklabels()],
             *[t.get_text() for t in ax.get_yticklabels()], *[t.get_text() for t in ax.texts]]
    legend = ax.get_legend()
    if legend is not None:
        texts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return {w for text in texts for w in re.findall(r"[A-Za-z]{3,}", text)} - ALLOWED


@pytest.fixture(scope="module")
def coffee():
    quality = pd.DataFrame({"us": [8.0, 7.0, 9.0, 6.0], "chain B": [7.0, 8.0, 6.0, 7.0],
                            "chain C": [6.0, 6.0, 7.0, 8.0]}, index=["taste", "service", "ambience", "speed"])
    price = pd.DataFrame({"us": [7.0], "chain B": [6.0], "chain C": [5.0]}, index=["price level"])
    weights = pd.Series({"taste": 0.4, "service": 0.25, "ambience": 0.2, "speed": 0.15})
    return quality, weights, price


def figures(coffee):
    """(name, draw(ax, lang)) for every figure of notebooks 05, 06, 07, 11 and 12."""
    quality, weights, price = coffee
    kano = sat.kano_table(*cl.datasets.make_kano_survey({"clean room": "must-be", "rooftop pool": "attractive"}, 60,
                                                        seed=1))
    wave = sim.make_satisfaction_wave(200, seed=1)
    zones = sat.importance_performance(wave.drop(columns="overall"), overall=wave["overall"])
    events, share = sim.make_market_history(seed=1)
    expectations = sim.make_expectation_survey(400, seed=1)
    switching = sim.make_switching_customers(400, seed=1)
    retention = {"competitors match us": sat.retention_by_satisfaction(switching["satisfaction"], switching["stayed"],
                                                                       [1, 4, 7, 10])}
    survey = cl.datasets.make_satisfaction_survey(200, seed=1)
    curve = sat.loyalty.satisfaction_loyalty_curve(survey["overall"], survey["loyalty"])
    pls = sat.plspm(cl.datasets.load_ecsi(), sat.ecsi_model())
    boot = pls.bootstrap(5, seed=1, progress=False)
    slopes = pd.DataFrame({"target": "CUSL", "slope": [0.54, 0.47, 0.40], "intercept": [-0.07, 0.0, 0.07]},
                          index=pd.Index([-1.0, 0.0, 1.0], name="moderator_sd"))
    return [
        ("kano curves", lambda ax, lang: cl.plotting.plot_kano_curves(ax=ax, lang=lang)),
        ("kano", lambda ax, lang: cl.plotting.plot_kano(kano, ax=ax, lang=lang)),
        ("zones", lambda ax, lang: cl.plotting.plot_importance_performance(zones, ax=ax, lang=lang)),
        ("value map", lambda ax, lang: cl.plotting.plot_value_map(
            sat.value_map(quality, weights, price, pd.Series({"price level": 1.0}), price_ratings="level"), ax=ax,
            lang=lang)),
        ("head to head", lambda ax, lang: cl.plotting.plot_head_to_head(
            sat.head_to_head(quality, weights, "us", "chain B"), ax=ax, lang=lang)),
        ("key events", lambda ax, lang: cl.plotting.plot_key_events(events, share, ax=ax, lang=lang)),
        ("expectations", lambda ax, lang: cl.plotting.plot_expectation_types(expectations, ax=ax, lang=lang)),
        ("trap", lambda ax, lang: cl.plotting.plot_retention_by_satisfaction(retention, ax=ax, lang=lang)),
        ("barrel", lambda ax, lang: cl.plotting.plot_barrel(
            sat.barrel_score(wave.drop(columns="overall"), links=sim.TOUCHPOINT_FACTORS), ax=ax, lang=lang)),
        ("waves", lambda ax, lang: cl.plotting.plot_wave_comparison(
            sat.wave_comparison(zones, zones, targets=zones["performance"]), ax=ax, lang=lang)),
        ("curve", lambda ax, lang: cl.plotting.plot_satisfaction_loyalty(curve, survey["overall"], survey["loyalty"],
                                                                         ax=ax, lang=lang)),
        ("paths", lambda ax, lang: cl.plotting.plot_path_coefficients(pls, boot, ax=ax, lang=lang)),
        ("ipma", lambda ax, lang: cl.plotting.plot_ipma(pls.ipma("Loyalty", scale=(1, 10)), "Loyalty", ax=ax,
                                                        lang=lang)),
        ("index", lambda ax, lang: cl.plotting.plot_index_scores(pls.index_scores(scale=(1, 10)), ax=ax, lang=lang)),
        ("simple slopes", lambda ax, lang: cl.plotting.plot_simple_slopes(slopes, "CUSA", "SC", ax=ax, lang=lang)),
    ]


def test_every_satisfaction_figure_draws_on_its_axes_in_both_languages(coffee):
    for name, draw in figures(coffee):
        for lang in ("en", "zh"):
            _, ax = plt.subplots()
            assert draw(ax, lang) is ax, name
            if lang == "zh":
                assert not english_words(ax), (name, english_words(ax))
            else:
                assert ax.get_title(), name
            plt.close("all")
