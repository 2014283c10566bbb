"""The offline evaluation command on a tiny site in the Stack Exchange format."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from recommendations.evaluation import load_site, split

SITE = Path(__file__).parent / "fixtures" / "stackexchange_tiny"


def run(*args) -> str:
    out = StringIO()
    call_command("evaluate_recommendations", *args, stdout=out)
    return out.getvalue()


def test_the_first_80_percent_by_id_train_and_the_last_20_percent_test():
    train, test = split(load_site(SITE))

    assert [q.id for q in train] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [q.id for q in test] == [9, 10]


def test_json_has_the_agreed_keys_and_cold_answerers_are_left_out_and_counted():
    result = json.loads(run(str(SITE), "--json"))

    assert set(result) == {"ranker", "popularity", "tfidf", "cold_share", "test_questions"}
    for method in ("ranker", "popularity", "tfidf"):
        assert set(result[method]) == {"p_at_1", "recall_at_10", "mrr"}
    assert result["test_questions"] == 1  # question 10's accepted answerer never answered in training
    assert result["cold_share"] == 0.5


def test_the_ranker_finds_the_capacitor_expert_where_popularity_does_not():
    result = json.loads(run(str(SITE), "--json"))

    assert result["ranker"] == {"p_at_1": 1.0, "recall_at_10": 1.0, "mrr": 1.0}
    assert result["popularity"]["p_at_1"] == 0.0  # 200 answered more, but about orbits
    assert result["popularity"]["mrr"] == 0.5  # full ranking: two candidates, the target second


def test_without_json_it_prints_a_table():
    assert "ranker" in run(str(SITE)) and "cold share: 50.0%" in run(str(SITE))


def test_a_directory_in_another_format_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="not a site directory"):
        run(str(tmp_path))
