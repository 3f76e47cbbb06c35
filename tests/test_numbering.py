"""Numbering plans: a customer's number as people and switches write it, in every region that
phonenumbers knows, finds the customer (the matching of imports, the prompts' validator and
`customer list --search`). The sweep checks the functions directly, in bulk; the imports, the
prompts and the search run on a few regions (one without a trunk prefix, NANP, European ones)."""
from __future__ import annotations

import phonenumbers as P
import pytest

from helpers import make_customer, make_plan, make_user
from telco_console.context import AppContext
from telco_console.errors import ValidationError
from telco_console.phone import normalise_msisdn, search_digits
from telco_console.services.collection import importer
from telco_console.services.collection.matching import candidate

FMT = P.PhoneNumberFormat
TYPES = (P.PhoneNumberType.MOBILE, P.PhoneNumberType.FIXED_LINE)
# operators dialling abroad: NANP (011), Australia (0011), Japan (010), Brazil (00 + carrier), ...
OPERATORS = ("US", "GB", "AU", "JP", "BR", "IN", "IT", "RU")


def examples(region: str):
    for t in TYPES:
        num = P.example_number_for_type(region, t)
        if num is not None:
            yield num


def home_forms(num, region: str) -> set[str]:
    """How a number of the operator's own region is written there."""
    nat = P.format_number(num, FMT.NATIONAL)
    intl = P.format_number(num, FMT.INTERNATIONAL)
    e164 = P.format_number(num, FMT.E164)
    forms = {nat, intl, e164, "".join(ch for ch in nat if ch.isdigit()), intl.replace(" ", "-"),
             intl.replace(" ", "."), "00" + e164[1:], "00 " + intl[1:],
             P.national_significant_number(num), P.format_out_of_country_calling_number(num, region)}
    trunk = P.PhoneMetadata.metadata_for_region(region).national_prefix
    if trunk and nat.startswith(trunk):         # written with the trunk prefix: +44 (0)7400 ...
        forms.add(f"+{num.country_code} ({trunk}){nat[len(trunk):]}")
    return forms


def abroad_forms(num, operator: str) -> set[str]:
    """How a number of another region is written by an operator in `operator`."""
    intl = P.format_number(num, FMT.INTERNATIONAL)
    return {P.format_out_of_country_calling_number(num, operator), intl, P.format_number(num, FMT.E164)}


def test_every_region_every_written_form_finds_the_number():
    """Each region's example mobile and fixed numbers, written nationally (with and without
    separators, with the trunk prefix where the region writes one), internationally, in E.164,
    with 00 or the region's own international prefix: the import's matching (candidate), the
    prompts' validator (normalise_msisdn) and the search (exact E.164 or the digits) all give
    the number. Then the same numbers written abroad, from several operators' regions."""
    wrong = []
    checked = 0
    for region in sorted(P.SUPPORTED_REGIONS):
        for num in examples(region):
            e164 = P.format_number(num, FMT.E164)
            for text in home_forms(num, region):
                checked += 1
                got = candidate(text, region)
                try:
                    valid = normalise_msisdn(text, region)
                except ValidationError as exc:
                    valid = str(exc)
                # the search looks for the number read whole, or for its digits in stored numbers
                # (AR writes mobiles nationally with a 15 that E.164 has not: read whole only)
                digits = search_digits(text, region)
                found = valid == e164 or bool(digits and digits in e164)
                if got != e164 or valid != e164 or not found:
                    wrong.append((region, text, e164, got, valid, digits))
            for operator in OPERATORS:
                if operator == region:
                    continue
                for text in abroad_forms(num, operator):
                    checked += 1
                    got = candidate(text, operator)
                    valid = normalise_msisdn(text, operator) if got == e164 else None
                    if got != e164 or valid != e164:
                        wrong.append((f"{region} from {operator}", text, e164, got, valid))
    assert checked > 15_000
    assert wrong == []


@pytest.mark.parametrize("text,region,e164", [
    ("(415) 555-0101", "US", "+14155550101"), ("415-555-0101", "US", "+14155550101"),
    ("+1 415 555 0101", "US", "+14155550101"), ("1 415 555 0101", "US", "+14155550101"),
    ("4155550101", "CA", "+14155550101"), ("011 44 7408 813668", "US", "+447408813668"),
    ("+44 (0)7408 813668", "GB", "+447408813668"), ("+44 (0)7408 813668", "US", "+447408813668"),
    ("0044 7408 813668", "US", "+447408813668"), ("00447408813668", "GB", "+447408813668"),
    ("0011 44 7408 813668", "AU", "+447408813668"), ("06 1234 5678", "IT", "+390612345678"),
    ("612 34 56 78", "ES", "+34612345678"), ("91 23 45 67", "NO", "+4791234567"),
    ("20 12 34 56", "DK", "+4520123456"), ("98765 43210", "IN", "+919876543210"),
    ("447408813668.0", "GB", "+447408813668"), ("+447408813668.0", "GB", "+447408813668"),
])
def test_written_forms_of_the_issue(text, region, e164):
    assert candidate(text, region) == e164
    assert normalise_msisdn(text, region) == e164


@pytest.mark.parametrize("text", ["", "1001", "*123#", "abc", "+", "12"])
def test_extensions_and_junk_are_no_number(text):
    assert candidate(text, "US") is None


# -- through the program, on a few operators' regions ------------------------------------------
REGIONS = [("US", "America/New_York"), ("IT", "Europe/Rome"), ("IN", "Asia/Kolkata"), ("GB", "Europe/London")]


def operator_ctx(ctx, region: str, tz: str) -> AppContext:
    cfg = ctx.config.with_overrides(operator__default_region=region, operator__timezone=tz)
    return AppContext(cfg, ctx.db, ctx.user, progress=False)


def _customers(octx, region: str) -> list[tuple[str, list[str]]]:
    """The region's example numbers as customers (added as written nationally): (E.164, the
    forms to write them in)."""
    make_plan(octx)
    out = []
    for i, num in enumerate(examples(region)):
        e164 = P.format_number(num, FMT.E164)
        if any(e164 == e for e, _ in out):     # NANP's example mobile is its example fixed number
            continue
        make_customer(octx, P.format_number(num, FMT.NATIONAL), name=f"C{i}", since="2026-01-01")
        out.append((e164, sorted(home_forms(num, region))))
    return out


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "general-path"])
@pytest.mark.parametrize("region,tz", REGIONS)
def test_import_matches_every_written_form(ctx, tmp_path, region, tz, fast):
    """Calls and SMS whose caller is a customer written in each form are all the customer's
    (outgoing), through the fast path and the general path alike."""
    octx = operator_ctx(ctx, region, tz)
    custs = _customers(octx, region)
    calls = ["record_id,caller,callee,started_at,duration_s,billsec,disposition"]
    sms = ["record_id,sender,recipient,sent_at,length"]
    n = 0
    for _e164, forms in custs:
        for text in forms:
            n += 1
            calls.append(f'c{n},"{text}",+33612345678,2026-05-0{1 + n % 9} 10:{n % 60:02d}:00,60,55,ANSWERED')
            sms.append(f's{n},"{text}",+33612345678,2026-05-0{1 + n % 9} 11:{n % 60:02d}:00,20')
    (tmp_path / "calls.csv").write_text("\n".join(calls) + "\n")
    (tmp_path / "sms.csv").write_text("\n".join(sms) + "\n")
    for name in ("calls.csv", "sms.csv"):
        r = importer.import_file(octx, "csv", str(tmp_path / name), fast=fast,
                                 reject_file=str(tmp_path / f"{name}.rejects"))
        assert (r.read, r.inserted, r.unmatched, r.rejected) == (n, n, 0, 0), name

    def got(conn):
        cur = conn.cursor()
        cur.execute("SELECT c.msisdn, COUNT(*) FROM calls x JOIN customers c ON c.id = x.customer_id"
                    " WHERE x.direction = 'out' GROUP BY c.msisdn")
        return dict(cur.fetchall())
    assert octx.db.run(got) == {e164: len(forms) for e164, forms in custs}


def test_unmatched_reason_names_the_numbers_in_e164(ctx, tmp_path):
    """A national number that is no customer: the reason gives both numbers in E.164."""
    octx = operator_ctx(ctx, "US", "America/New_York")
    make_plan(octx)
    make_customer(octx, "(201) 555-0123", since="2026-01-01")
    path = tmp_path / "calls.csv"
    path.write_text("record_id,caller,callee,started_at,duration_s,billsec,disposition\n"
                    "c1,(415) 555-0101,415-555-0102,2026-05-01 10:00:00,60,55,ANSWERED\n"
                    "c2,(201) 555-0123,415-555-0102,2026-05-01 10:00:00,60,55,ANSWERED\n")
    r = importer.import_file(octx, "csv", str(path))
    assert (r.inserted, r.unmatched) == (1, 1)
    reason = octx.db.run(lambda c: (lambda cur: (cur.execute("SELECT reason FROM unmatched_records"),
                                                 cur.fetchone()[0])[1])(c.cursor()))
    assert reason == "neither +14155550101 nor +14155550102 is a customer"


def test_prompt_validator_takes_every_written_form(ctx):
    """The prompts' customer validator, for operators in each of the regions."""
    from telco_console.services.collection import manual

    make_plan(ctx)
    added = set()
    for region, tz in REGIONS:
        octx = operator_ctx(ctx, region, tz)
        for num in examples(region):
            e164 = P.format_number(num, FMT.E164)
            if e164 not in added:           # NANP's example mobile is its example fixed number
                make_customer(octx, e164, name=f"{region} {e164}")
                added.add(e164)
            for text in home_forms(num, region):
                assert manual.customer(octx, text)["msisdn"] == e164, (region, text)


SEARCHES = [("GB", "07408813668", "+447408813668"), ("GB", "07408 813668", "+447408813668"),
            ("GB", "+44 (0)7408 813668", "+447408813668"), ("GB", "7408813668", "+447408813668"),
            ("GB", "0740881", "+447408813668"), ("US", "(415) 555-0101", "+14155550101"),
            ("US", "415-555-0101", "+14155550101"), ("US", "1 415 555 0101", "+14155550101"),
            ("US", "011 44 7408 813668", "+447408813668"), ("IT", "06 1234 5678", "+390612345678")]


def test_customer_list_search_by_written_number(ctx, run_cli):
    """`customer list --search` with a number written nationally (trunk prefix or none),
    internationally or with the region's international prefix, for operators in GB, US, IT."""
    make_plan(ctx)
    for e164 in sorted({e for _, _, e in SEARCHES}):
        make_customer(ctx, e164, name=f"Customer {e164}")
    make_customer(ctx, "+33612345678", name="Someone Else")
    make_user(ctx, "boss", "admin")
    for region, search, e164 in SEARCHES:
        code, out, err = run_cli("customer", "list", "--search", search, "--format", "csv", user="boss",
                                 password="correct-horse-9", env={"TELCO_OPERATOR_DEFAULT_REGION": region})
        assert code == 0, err
        names = [line.split(",")[2] for line in out.strip().splitlines()[1:] if line.count(",") > 3]
        assert names == [f"Customer {e164}"], (region, search, out)


def test_a_number_is_parsed_once_for_both_readings_of_an_import(monkeypatch):
    # the match's E.164 guess and the other party's validation share one phonenumbers parse (the
    # costliest step of an import that meets many distinct numbers)
    from telco_console.services.collection import matching

    seen = []
    real = matching.parse
    monkeypatch.setattr(matching, "parse", lambda text, region: seen.append(text) or real(text, region))
    for cached in (matching._parse, matching._parsed, matching.other_party):
        cached.cache_clear()
    assert candidate("07501 234567", "GB") == "+447501234567"
    assert matching.other_party("07501 234567", "GB", "GB") == ("+447501234567", False)
    assert matching.other_party("07501 234567", "US", "US") == (None, False)     # another region: parsed anew
    assert seen == ["07501 234567", "07501 234567"]
