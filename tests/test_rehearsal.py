"""The production rehearsal's own judgements (bin/rehearse runs the whole thing in CI)."""

from rehearsal.clock import judge


def test_a_job_run_once_per_interval_passes():
    assert judge([0, 10, 20, 30], interval=10, now=35) == (True, "4 run(s) recorded, 4 turn(s) due since the first")


def test_a_turn_just_coming_up_is_not_counted_as_missed():
    assert judge([0, 10, 20], interval=10, now=30.5)[0]


def test_two_clocks_running_the_same_turn_fail():
    passed, line = judge([0, 0.3, 10, 10.2], interval=10, now=15)
    assert not passed
    assert line.endswith("2 run(s) sooner than the interval after the one before")


def test_a_turn_due_for_a_while_that_has_not_run_is_missed():
    passed, line = judge([0, 10, 20], interval=10, now=36)
    assert not passed
    assert line == "3 run(s) recorded, 4 turn(s) due since the first; runs were missed"


def test_missed_turns_fail():
    passed, line = judge([0, 40], interval=10, now=45)
    assert not passed
    assert line.endswith("runs were missed")
