"""CRM backends for tests: the CRM is the network edge, so tests stand in for it here."""

from decimal import Decimal

from conversations.crm import CrmProfile


class VipBackend:
    """Every number belongs to Ada, a VIP."""

    def lookup(self, number: str) -> CrmProfile | None:
        return CrmProfile(
            customer_id=None,
            name="Ada Lovelace",
            is_vip=True,
            account_value=Decimal("1250.50"),
            crm_id="CRM-ADA",
        )


class NamelessVipBackend:
    def lookup(self, number: str) -> CrmProfile | None:
        return CrmProfile(customer_id=None, name="", is_vip=True, account_value=None, crm_id="")


class RegularBackend:
    """Every number belongs to a customer who is not a VIP."""

    def lookup(self, number: str) -> CrmProfile | None:
        return CrmProfile(
            customer_id=None, name="Bo", is_vip=False, account_value=None, crm_id="CRM-BO"
        )


class UnknownBackend:
    def lookup(self, number: str) -> CrmProfile | None:
        return None


class CountingVipBackend:
    """A VIP backend that notes every number it is asked about."""

    asked: list[str] = []

    def lookup(self, number: str) -> CrmProfile | None:
        self.asked.append(number)
        return VipBackend().lookup(number)
