import pytest

from helpers import make_customer, make_plan
from telco_console.errors import DuplicateError, NotFoundError, PermissionDenied, ValidationError
from telco_console.services import customers


def test_add_normalises_to_e164_and_refuses_duplicates(ctx):
    make_plan(ctx)
    c = make_customer(ctx, msisdn="07911 123456")
    assert c["msisdn"] == "+447911123456"
    with pytest.raises(DuplicateError) as err:
        make_customer(ctx, msisdn="+44 7911 123456", name="Bob")
    assert str(err.value) == f"+447911123456 is already customer #{c['id']} (Ann Smith, active)"


def test_invalid_number_and_unknown_plan(ctx):
    make_plan(ctx)
    with pytest.raises(ValidationError, match="is not a phone number"):
        make_customer(ctx, msisdn="hello")
    with pytest.raises(NotFoundError, match="no plan with code GOLD"):
        make_customer(ctx, plan="GOLD")


def test_list_is_paged_and_filtered(ctx):
    make_plan(ctx)
    for i in range(25):
        make_customer(ctx, msisdn=f"+4479111234{i:02d}", name=f"Cust {i}", region="North" if i % 2 else "South")
    page = customers.list_customers(ctx, page=2, page_size=10)
    assert (page.total, page.pages, len(page.report.rows)) == (25, 3, 10)
    south = customers.list_customers(ctx, region="South", page_size=100)
    assert south.total == 13
    assert customers.list_customers(ctx, search="Cust 7").total == 1


def test_close_and_edit(ctx):
    make_plan(ctx)
    make_customer(ctx)
    edited = customers.edit_customer(ctx, "+447911123456", region="East")
    assert edited["region"] == "East"
    closed = customers.close_customer(ctx, "+447911123456", "2026-06-30")
    assert closed["status"] == "closed"
    with pytest.raises(ValidationError, match="closed already"):
        customers.close_customer(ctx, "+447911123456")


def test_roles_are_enforced_in_the_service(ctx, as_role):
    make_plan(ctx)
    make_customer(ctx, region="North")
    with pytest.raises(PermissionDenied):
        make_customer(as_role("staff"), msisdn="+447911123457")
    with pytest.raises(PermissionDenied):
        customers.get_customer(as_role("regional", region="South"), "+447911123456")
    assert customers.list_customers(as_role("regional", region="South")).total == 0
    assert customers.list_customers(as_role("regional", region="North")).total == 1


@pytest.mark.parametrize("region", ["GB", "US", "RU", "FR", "DE", "IT", "ES", "IN", "NG", "BR", "JP", "AU",
                                    "NO", "PT", "ZA", "KE"])
def test_a_typed_national_or_international_prefix_finds_the_number(region):
    """What a person types at a customer prompt, in each region's national form or internationally,
    becomes a prefix of the stored E.164 number."""
    import phonenumbers

    from telco_console.services.customers import _number_prefixes

    num = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    national = "".join(ch for ch in phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL)
                       if ch.isdigit())
    for typed in (national[:6], national, e164[:7], "00" + e164[1:8]):
        assert any(e164.startswith(p) for p in _number_prefixes(typed, region)), (typed, e164)
