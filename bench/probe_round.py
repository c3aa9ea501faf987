"""Scan a round of probes (``attack/`` and ``legit/`` folders of .eml) and build its profile from ``company.json``.

    .venv/bin/python bench/probe_round.py profile ROUND/company.json > ROUND/rempart.toml
    .venv/bin/python bench/probe_round.py scan ROUND [--no-profile] [--all]

``profile`` turns the invented organisation a probe writer described into a Rempart profile: executives become
VIPs, staff employees, vendors and customers ``[[org.vendors]]`` (a customer who writes about payments is a
counterparty the same way), and the host names of the mail infrastructure trusted ``Authentication-Results``
writers. ``scan`` prints every missed attack and flagged legitimate message (``--all``: every message) with its
score, the model's score and the finding codes, then the counts a probe README records. Blind rounds are
scanned once, as they came, before anything is changed for them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from rempart.data import load_data_list


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


_KNOWN_KEYS = ("executives", "employees", "vendors", "customers")


def _other_items(company: dict[str, Any]) -> list[dict[str, Any]]:
    """The named entries of the lists other than the four known ones (notaries, sponsors, field staff…)."""
    return [item for key, value in company.items() if key not in _KNOWN_KEYS and isinstance(value, list)
            for item in value if isinstance(item, dict) and item.get("name")]


def _other_counterparties(company: dict[str, Any]) -> list[dict[str, Any]]:
    """Other lists of parties the organisation pays or is paid by: written like a vendor (domains with contacts or
    accounts), or with their accounts on file and one address (a cooperative's members, a notary's clients), then
    written as a vendor with the party's address as its contact."""
    out: list[dict[str, Any]] = []
    for item in _other_items(company):
        email = str(item.get("email", ""))
        # a party written like a vendor (its domains, with contacts or accounts: a notary, a sponsor, the
        # factoring company) is one, whatever the writer called its list
        vendor_like = isinstance(item.get("domains"), list) and item["domains"]
        if vendor_like and (item.get("contacts") or item.get("ibans")):
            contacts = item.get("contacts") or ([{"name": item["name"], "email": email}] if "@" in email else [])
            out.append({**item, "contacts": contacts})
        elif item.get("ibans") and "@" in email:
            out.append({"name": item["name"], "ibans": item["ibans"], "domains": [email.split("@")[-1]],
                        "contacts": [{"name": item["name"], "email": email}]})
    return out


def _accounts(value: Any) -> list[str]:
    """The account numbers a writer gave, however written: one string, a list, or entries with an ``iban`` key
    and a label; annotations ("FR76 … (from 01/01/2027)") dropped."""
    # lists may nest, and a mapping of labels to accounts ({"Fund II – EUR": "LU91 …"}) holds its values
    if isinstance(value, list):
        return [a for v in value for a in _accounts(v)]
    if isinstance(value, dict) and "iban" not in value:
        return [a for v in value.values() for a in _accounts(v)]
    raw = str(value["iban"]) if isinstance(value, dict) else str(value)
    accounts = [raw.split("(")[0].strip()]
    # a note where an account would be ("no IBAN: Bank of China, SWIFT …") is not one
    return [a for a in accounts if re.match(r"[A-Z]{2}\d{2}[ A-Z0-9]{8,}$", a)]


def _domains(values: Any) -> list[str]:
    """Domains as a writer gave them, annotations dropped ("aurelys.lu (brand, web redirect only, no mail)")."""
    items = values if isinstance(values, list) else [values]
    out = [str(v).split()[0].strip().lower().rstrip(".,;") for v in items if str(v).strip()]
    return [d for d in out if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d)]


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _contact_addresses(contact: dict[str, Any]) -> list[str]:
    """A contact's address and any other the writer noted for them ("also writes from x@gmail.com")."""
    found = [str(contact.get("email", ""))]
    found += [m for key, value in contact.items() if key != "email" and isinstance(value, str)
              for m in _EMAIL.findall(value)]
    return [a.lower() for a in found if "@" in a]


def _staff_with_personal_address(company: dict[str, Any]) -> list[dict[str, Any]]:
    """People of other lists known only by a personal address ("personal_email_on_file"), not already staff."""
    out: list[dict[str, Any]] = []
    for item in _other_items(company):
        found = [str(v) for k, v in item.items() if "personal" in k and isinstance(v, str) and "@" in v]
        if found and not item.get("domains"):
            out.append({"name": item["name"], "personal_addresses": found})
    return out


def _own_domains(party: dict[str, Any], freemail: frozenset[str]) -> list[str]:
    """A party's domains, less free-mail providers: one on orange.fr is known by its addresses, not the provider's."""
    return [d for d in _domains(party.get("domains", [])) if d not in freemail]


def _banks(company: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries of top-level lists named for banks ("banks", "banking_partners") that have domains."""
    return [item for key, value in company.items() if "bank" in key.lower() and isinstance(value, list)
            for item in value if isinstance(item, dict) and item.get("name") and isinstance(item.get("domains"), list)]


def profile(company: dict[str, Any]) -> str:
    lines = ["# Profile of the invented organisation of these probes, built from company.json by",
             "# bench/probe_round.py (its customers listed as vendors).", "[org]",
             f"name = {_toml_string(company['name'])}", f"domains = {_toml_list(_domains(company['domains']))}"]
    # the organisation's accounts: its "iban", and other top-level entries of accounts ("other_accounts": payroll,
    # the funds it administers)
    own = [a for key, value in company.items()
           if key == "iban" or (key.endswith(("accounts", "ibans")) and value
                                and not any(w in key for w in ("fraud", "mule", "attack", "scam")))
           for a in _accounts(value)]
    if own:
        lines.append(f"ibans = {_toml_list(list(dict.fromkeys(own)))}")
    for table, people in (("vips", company.get("executives", [])), ("employees", company.get("employees", []))):
        for person in people:
            lines.append(f"[[org.{table}]]")
            lines += [f"{key} = {_toml_string(person[key])}" for key in ("name", "email", "title") if person.get(key)]
            if person.get("personal_addresses"):
                lines.append(f"personal_addresses = {_toml_list(person['personal_addresses'])}")
    # staff the writer listed elsewhere with the personal address the HR file holds (field agents, a sample of them)
    for person in _staff_with_personal_address(company):
        lines += ["[[org.employees]]", f"name = {_toml_string(person['name'])}",
                  f"personal_addresses = {_toml_list(person['personal_addresses'])}"]
    freemail = load_data_list("freemail")
    for party in [*company.get("vendors", []), *company.get("customers", []), *_other_counterparties(company)]:
        domains = _own_domains(party, freemail)
        lines += ["[[org.vendors]]", f"name = {_toml_string(party['name'])}", f"domains = {_toml_list(domains)}"]
        contacts = [a for c in party.get("contacts", []) if isinstance(c, dict) for a in _contact_addresses(c)]
        contacts = [c for c in dict.fromkeys(contacts) if c.split("@")[-1] in freemail]
        if contacts:
            lines.append(f"contacts = {_toml_list(contacts)}")
        if party.get("ibans"):
            lines.append(f"ibans = {_toml_list(_accounts(party['ibans']))}")
    # the organisation's banks, as a company would list them: brands whose names and domains fraudsters imitate
    for bank in _banks(company):
        domains = _own_domains(bank, freemail)
        if domains:
            lines += ["[[org.brands]]", f"name = {_toml_string(bank['name'])}", f"domains = {_toml_list(domains)}"]
    # only the inbound gateway writes the verdict the mailbox should trust (the MX, in a company.json); hosted
    # mail writes under its provider's id (Google: mx.google.com; Microsoft 365: no id, see exchange_online.py)
    hosts: list[str] = []
    for key, value in company.get("mail_infrastructure", {}).items():
        for item in (value if isinstance(value, list) else [value]):
            named = key.lower() in ("mx", "mx_host", "mx_hosts", "inbound_mx", "authserv_id")
            host = str(item).split()[-1].lower().rstrip(".") if named and str(item).strip() else ""
            if host.endswith(".google.com") or host.endswith(".googlemail.com"):
                host = "mx.google.com"
            elif host.endswith(".protection.outlook.com"):
                host = "protection.outlook.com"
            if "." in host and not host.replace(".", "").isdigit() and host not in hosts:
                hosts.append(host)
    if hosts:
        lines += ["[auth]", f"trusted_authserv_ids = {_toml_list(hosts)}"]
    return "\n".join(lines) + "\n"


def scan(root: Path, with_profile: bool, show_all: bool) -> None:
    from rempart.config import load_config
    from rempart.engine.build import build_engine
    from rempart.message import parse_message

    toml = root / "rempart.toml"
    engine = build_engine(load_config(str(toml) if with_profile and toml.is_file() else None))
    counts: dict[str, list[int]] = {}
    for kind in ("attack", "legit"):
        flagged = malicious = total = 0
        for path in sorted((root / kind).glob("*.eml")):
            verdict = engine.scan_message(parse_message(path.read_bytes(), engine.config.limits))
            level = verdict.level.value
            total += 1
            flagged += level != "clean"
            malicious += level == "malicious"
            wrong = (level == "clean") if kind == "attack" else (level != "clean")
            if wrong or show_all:
                model = "-" if verdict.model_score is None else f"{verdict.model_score:.2f}"
                codes = sorted({f.code for f in verdict.findings if f.weight != 0})
                rules = sorted(h.rule_id for h in verdict.rule_hits)
                print(f"{'!!' if wrong else '  '} {kind:6s} {verdict.score:.3f} m={model} {level:10s} {path.name}\n"
                      f"      {' '.join(codes)} {' '.join(rules)}")
        counts[kind] = [flagged, total, malicious]
    attack, legit = counts["attack"], counts["legit"]
    print(f"{'profile' if with_profile else 'no profile'}: attacks flagged {attack[0]}/{attack[1]}, "
          f"legitimate flagged {legit[0]}/{legit[1]}, legitimate called malicious {legit[2]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("profile", help="print the rempart.toml of a company.json")
    make.add_argument("company", type=Path)
    run = sub.add_parser("scan", help="scan ROUND/attack and ROUND/legit")
    run.add_argument("round", type=Path)
    run.add_argument("--no-profile", action="store_true", help="use the embedded defaults, not ROUND/rempart.toml")
    run.add_argument("--all", action="store_true", help="print every message, not only the wrong ones")
    args = parser.parse_args()
    if args.command == "profile":
        sys.stdout.write(profile(json.loads(args.company.read_text(encoding="utf-8"))))
    else:
        scan(args.round, not args.no_profile, args.all)
    return 0


if __name__ == "__main__":
    sys.exit(main())
