"""The money chaos run of tests/test_money_chaos.py: many engagements driven through random user
actions and random gateway faults, then reconciliation, then the invariants that must hold whatever
happened.

Every action goes through the service calls the views, the clock and staff use, with the sandbox
playing the gateway's side (its hosted page, its webhooks, its faults). An action is a function
`(run, rng) -> str` that describes what it did, raises `NothingToDo` when the run has nothing for it,
and lets a user-facing refusal (ValidationError / PermissionDenied, which the pages show as a
message) through `refusable`. Anything else it raises is a crash: recorded, and the run goes on,
as the site would. To add an action, write the function and add one line to ACTIONS.

Time is the run's own: deadlines are moved per engagement (as tests/test_clock.py does) and the
clock's reconciliation is told its `now`, so a seed replays the same run whatever the machine's speed.

The run is played in epochs (CHAOS_EPOCH steps, 1,000 by default): each starts from an empty
marketplace and gateway, ends with the gateway healed, held webhooks delivered and reconciliation
run until nothing is pending, has the invariants checked, and is rolled back to a savepoint, so a
long run stays as quick per step as a short one. Epoch i of seed s plays seed s + i.
The mapping from ledger accounts to money at the gateway is `books_say_at_gateway`; what the
gateway holds is `gateway_holds`: update those two when the ledger or the sandbox learn new moves.

state.py holds the run's state and the plumbing; actions.py every action and the ACTIONS table;
invariants.py what must hold at the end; run.py the steps, the epochs and the report.
"""
