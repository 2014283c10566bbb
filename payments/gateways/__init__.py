"""Pick a gateway by name, or by the currency of the money (settings decide; no code changes)."""

from core.money import currency_rules
from payments.gateways.base import Gateway, GatewayError
from payments.gateways.flutterwave import Flutterwave
from payments.gateways.paystack import Paystack

GATEWAYS: dict[str, type[Flutterwave] | type[Paystack]] = {"flutterwave": Flutterwave, "paystack": Paystack}

__all__ = ["GATEWAYS", "Gateway", "GatewayError", "gateway_for_currency", "get_gateway"]


def get_gateway(name: str) -> Gateway:
    return GATEWAYS[name]()


def gateway_for_currency(currency: str) -> Gateway:
    return get_gateway(currency_rules(currency).gateway)
