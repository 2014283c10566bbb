"""The local fake Flutterwave and Paystack (development, demo and tests only).

`holdings(gateway)` and `frozen(gateway)` say what the fake gateway holds for the merchant; the events a
merchant meets without asking (dashboard refunds, reversed transfers, chargebacks) are in `events`."""


def holdings(gateway: str) -> dict[str, int]:
    from payments.sandbox.balance import holdings as held

    return held(gateway)


def frozen(gateway: str) -> dict[str, int]:
    from payments.sandbox.balance import frozen as held_back

    return held_back(gateway)
