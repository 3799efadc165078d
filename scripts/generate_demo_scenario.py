#!/usr/bin/env python3
"""Generate scenarios/demo.yaml: the synthetic Northshire partnership for `make demo`.

Deterministic: a seeded random generator, dates computed from a fixed "demo today"
(DEMO_TODAY) and written as absolute dates, so running it twice gives the same file and
the file can be committed and reviewed. Every child, person and professional is invented;
NHS numbers are in the 999 range (never issued) with a valid check digit.

    .venv/bin/python scripts/generate_demo_scenario.py            # writes scenarios/demo.yaml
    .venv/bin/python scripts/generate_demo_scenario.py --check    # fails if the file is stale
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safeguard.core.validators import nhs_number_is_valid  # noqa: E402

OUTPUT = ROOT / "scenarios" / "demo.yaml"
SEED = 20261126
DEMO_TODAY = dt.date(2026, 11, 26)
DEMO_PASSWORD = "safeguard-demo"  # demo only: documented in docs/demo.md
LA = "nsc"

# The teams that are the front door: their social workers and team managers see every
# contact awaiting a decision, whoever the child is known to (docs/access.md).
FRONT_DOOR = {"front-door"}

AGENCIES = [
    {
        "code": "nsc",
        "name": "Northshire Children's Services",
        "kind": "childrens_social_care",
        "teams": [
            ("front-door", "Children's Front Door"),
            ("early-help", "Early Help Team"),
            ("family-support", "Family Support Team"),
            ("child-protection", "Child Protection Team"),
            ("children-in-care", "Children in Care Team"),
            ("leaving-care", "Leaving Care Team"),
            ("get-safe", "Get Safe Exploitation Team"),
            ("iro-service", "Independent Reviewing Service"),
        ],
    },
    {
        "code": "nsp",
        "name": "Northshire Police",
        "kind": "police",
        "teams": [("public-protection", "Public Protection Unit")],
    },
    {"code": "nsh", "name": "Northshire Hospitals NHS Trust", "kind": "nhs_trust"},
    {
        "code": "nchc",
        "name": "Northshire Community Health NHS Trust",
        "kind": "nhs_trust",
        "teams": [("lac-health", "Looked After Children Health Team")],
    },
    {"code": "elm-tree-surgery", "name": "Elm Tree Surgery", "kind": "gp_practice"},
    {"code": "market-pharmacy", "name": "Market Square Pharmacy", "kind": "community_pharmacy"},
    {"code": "northshire-academy", "name": "Northshire Academy", "kind": "school"},
    {"code": "riverside-primary", "name": "Riverside Primary School", "kind": "school"},
    {"code": "nyjs", "name": "Northshire Youth Justice Service", "kind": "youth_justice"},
    {
        "code": "nscp",
        "name": "Northshire Safeguarding Children Partnership",
        "kind": "safeguarding_partnership",
    },
    {"code": "nsas", "name": "Northshire Ambulance Service", "kind": "ambulance"},
]

# username, given, family, agency, team, job title, role
PROFESSIONALS = [
    ("sw.jones", "Megan", "Jones", "nsc", "child-protection", "Social worker", "social_worker"),
    ("sw.okafor", "Chidi", "Okafor", "nsc", "child-protection", "Social worker", "social_worker"),
    ("sw.taylor", "Amy", "Taylor", "nsc", "family-support", "Social worker", "social_worker"),
    (
        "fd.patel",
        "Priya",
        "Patel",
        "nsc",
        "front-door",
        "Front door social worker",
        "social_worker",
    ),
    ("sw.khan", "Imran", "Khan", "nsc", "children-in-care", "Social worker", "social_worker"),
    ("sw.murphy", "Siobhan", "Murphy", "nsc", "children-in-care", "Social worker", "social_worker"),
    ("sw.nowak", "Piotr", "Nowak", "nsc", "children-in-care", "Social worker", "social_worker"),
    (
        "ehw.davies",
        "Gareth",
        "Davies",
        "nsc",
        "early-help",
        "Early help practitioner",
        "social_worker",
    ),
    ("pa.moore", "Lauren", "Moore", "nsc", "leaving-care", "Personal adviser", "social_worker"),
    ("tm.wright", "Joanne", "Wright", "nsc", "child-protection", "Team manager", "team_manager"),
    ("tm.ali", "Farah", "Ali", "nsc", "children-in-care", "Team manager", "team_manager"),
    ("iro.brown", "Colin", "Brown", "nsc", "iro-service", "Independent reviewing officer", "iro"),
    (
        "gs.campbell",
        "Nicola",
        "Campbell",
        "nsc",
        "get-safe",
        "Get Safe practitioner",
        "exploitation_worker",
    ),
    (
        "pc.robinson",
        "Tom",
        "Robinson",
        "nsp",
        "public-protection",
        "Detective constable",
        "police_officer",
    ),
    ("pc.hall", "Aisha", "Hall", "nsp", "public-protection", "Police constable", "police_officer"),
    (
        "nurse.green",
        "Helen",
        "Green",
        "nchc",
        "lac-health",
        "Looked after children nurse",
        "health_practitioner",
    ),
    ("dr.rahman", "Saira", "Rahman", "elm-tree-surgery", None, "GP", "gp"),
    ("ph.wilson", "Owen", "Wilson", "market-pharmacy", None, "Pharmacist", "pharmacist"),
    (
        "dsl.edwards",
        "Kate",
        "Edwards",
        "northshire-academy",
        None,
        "Designated safeguarding lead",
        "school_safeguarding_lead",
    ),
    (
        "dsl.young",
        "Ben",
        "Young",
        "riverside-primary",
        None,
        "Designated safeguarding lead",
        "school_safeguarding_lead",
    ),
    (
        "analyst.king",
        "Ruth",
        "King",
        "nscp",
        None,
        "Partnership business analyst",
        "partnership_analyst",
    ),
    ("admin.scott", "Liam", "Scott", "nsc", None, "System administrator", "administrator"),
]

GIVEN_F = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Grace",
    "Freya",
    "Sophia",
    "Ella",
    "Poppy",
    "Zara",
    "Aaliyah",
    "Maya",
    "Chloe",
    "Ruby",
    "Evie",
    "Layla",
    "Hannah",
]
GIVEN_M = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Oscar",
    "Harry",
    "Jack",
    "Charlie",
    "Jacob",
    "Ethan",
    "Mason",
    "Rohan",
    "Kai",
    "Tyler",
    "Reece",
    "Callum",
    "Dylan",
    "Kofi",
    "Adam",
]
FAMILY = [
    "Smith",
    "Brown",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Lewis",
    "Hill",
    "Clarke",
    "Mensah",
    "Begum",
    "Hussain",
    "Kowalski",
    "Doyle",
    "Price",
    "Baker",
    "Fletcher",
    "Marsh",
    "Carter",
    "Ward",
    "Osei",
    "Palmer",
    "Reid",
    "Harper",
    "Lloyd",
    "Bennett",
    "Ellis",
    "Stone",
    "Webb",
    "Mills",
    "Foster",
    "Lane",
    "Shaw",
    "Holmes",
    "Dixon",
    "Barker",
]
ETHNICITIES = ["WBRI"] * 10 + [
    "WOTH",
    "MWBC",
    "MWAS",
    "APKN",
    "ABAN",
    "BAFR",
    "BCRB",
    "WROM",
    "MOTH",
]

CONDITIONS = [
    ("Asthma", "195967001", "Salbutamol inhaler", "2 puffs when needed"),
    ("Epilepsy", "84757009", "Levetiracetam", "250 mg twice daily"),
    ("Type 1 diabetes", "46635009", "Insulin aspart", "as per plan"),
    (
        "Attention deficit hyperactivity disorder",
        "406506008",
        "Methylphenidate",
        "18 mg each morning",
    ),
]

# status, how many, age range (years on demo today)
PLAN = [
    ("early_help", 5, (3, 14)),
    ("child_in_need", 6, (2, 15)),
    ("cp_neglect", 2, (1, 12)),
    ("cp_physical", 2, (2, 12)),
    ("cp_sexual", 1, (9, 15)),
    ("cp_emotional", 2, (4, 14)),
    ("cp_multiple", 1, (3, 11)),
    ("lac_V2", 5, (13, 17)),
    ("lac_C1", 3, (1, 10)),
    ("lac_C2", 5, (5, 16)),
    ("lac_E1", 2, (1, 4)),
    ("lac_L1", 1, (6, 12)),
    ("lac_L2", 1, (0, 3)),
    ("lac_J1", 1, (15, 17)),
    ("care_leaver", 5, (18, 20)),
    ("closed_returned_home", 2, (6, 14)),
]


class Gen:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.nhs_serial = 4000
        self.children: list[dict] = []
        self.caseloads = {
            "early_help": ["ehw.davies"],
            "cin": ["sw.taylor", "sw.jones"],
            "cp": ["sw.jones", "sw.okafor"],
            "lac": ["sw.khan", "sw.murphy", "sw.nowak"],
        }
        self.rr = {k: 0 for k in self.caseloads}

    # -- helpers
    def pick_worker(self, pool: str) -> str:
        workers = self.caseloads[pool]
        worker = workers[self.rr[pool] % len(workers)]
        self.rr[pool] += 1
        return worker

    def nhs_number(self) -> str:
        while True:
            self.nhs_serial += 1
            candidate = f"999{self.nhs_serial:07d}"
            if nhs_number_is_valid(candidate):
                return candidate

    def days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    def dob_for(self, age_range) -> dt.date:
        lo, hi = age_range
        age_days = self.rng.randint(lo * 365 + 30, hi * 365 + 330)
        return DEMO_TODAY - dt.timedelta(days=age_days)

    @staticmethod
    def at(day: dt.date, hour: int, minute: int = 0) -> str:
        return f"{day.isoformat()}T{hour:02d}:{minute:02d}"

    # -- one child
    def child(self, n: int, status: str, age_range) -> dict:
        rng = self.rng
        sex = rng.choice("FM")
        given = rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
        family = rng.choice(FAMILY)
        dob = self.dob_for(age_range)
        local_id = f"NS{n:05d}"
        child: dict = {
            "local_id": local_id,
            "given_name": given,
            "family_name": family,
            "date_of_birth": dob,
            "sex": sex,
            "ethnicity": rng.choice(ETHNICITIES),
            "nhs_number": self.nhs_number(),
            "local_authority": LA,
        }
        age = (DEMO_TODAY - dob).days // 365
        people = self.family(local_id, family, dob)
        child["people"] = people
        episodes: list[dict] = []
        placements: list[dict] = []
        involvements: list[dict] = []
        events: list[dict] = []
        health: dict = {}

        mother = people[0]["id"]
        father = people[1]["id"]
        school = "riverside-primary" if age < 11 else "northshire-academy"
        dsl = "dsl.young" if age < 11 else "dsl.edwards"

        def referral(day: dt.date, reason: str, source="nsc", referrer="School"):
            events.append(
                {
                    "type": "referral",
                    "occurred": day,
                    "source": source,
                    "recorded_by_name": "Front door duty worker",
                    "summary": f"Referral: {reason}",
                    "details": {"referrer": referrer, "decision": "Social work assessment"},
                }
            )

        def visits(worker: str, start: dt.date, end: dt.date | None, every=(28, 45), where="Home"):
            day = start + self.days(3, 6)
            stop = min(end or DEMO_TODAY, DEMO_TODAY)
            # Visits in the last 18 months only, to keep the file readable.
            floor = DEMO_TODAY - dt.timedelta(days=540)
            while day <= stop:
                if day >= floor:
                    events.append(
                        {
                            "type": "social_worker_visit",
                            "occurred": day,
                            "source": LA,
                            "recorded_by": worker,
                            "summary": rng.choice(
                                [
                                    "Statutory visit; child seen and spoken to.",
                                    "Visit; discussed the plan with the child and carers.",
                                    "Visit; child seen alone, wishes and feelings recorded.",
                                    "Visit; home conditions checked.",
                                ]
                            ),
                            "details": {"seen_alone": rng.random() < 0.7, "location": where},
                        }
                    )
                day += self.days(*every)

        kind = status.split("_")[0]
        reasons = {
            "neglect": (
                "Concerns about neglect: poor home conditions and missed health appointments."
            ),
            "physical": "Unexplained bruising noticed at school.",
            "sexual": "Disclosure to a teacher of sexual harm by an adult known to the family.",
            "emotional": "Domestic abuse between the parents witnessed by the child.",
            "multiple": "Neglect and domestic abuse; child frequently late and hungry at school.",
        }
        if status == "early_help":
            start = DEMO_TODAY - self.days(40, 300)
            worker = self.pick_worker("early_help")
            episodes.append({"kind": "early_help", "start": start, "agency": LA})
            involvements.append(
                {"professional": worker, "role": "early_help_worker", "start": start}
            )
            events.append(
                {
                    "type": "note",
                    "occurred": start,
                    "source": LA,
                    "recorded_by": worker,
                    "summary": (
                        "Early help assessment agreed with the family; "
                        "team around the family set up."
                    ),
                }
            )
            visits(worker, start, None, every=(30, 50))
            allocated = worker
        elif status in ("child_in_need", "closed_returned_home"):
            start = DEMO_TODAY - self.days(60, 400)
            worker = self.pick_worker("cin")
            referral(
                start - self.days(20, 40), "Parents struggling to manage; child's needs not met."
            )
            events.append(
                {
                    "type": "assessment_completed",
                    "occurred": start - self.days(1, 5),
                    "source": LA,
                    "recorded_by": worker,
                    "summary": "Assessment completed: child in need plan recommended.",
                    "details": {"outcome": "Child in need plan"},
                }
            )
            ep = {
                "kind": "child_in_need",
                "start": start,
                "primary_need": rng.choice(["N3", "N4", "N5", "N6"]),
            }
            if status == "closed_returned_home":
                # Looked after under s20 for a few months, then home; CIN plan afterwards.
                la_start = start - self.days(300, 500)
                la_end = la_start + self.days(90, 200)
                episodes.append(
                    {
                        "kind": "looked_after",
                        "legal_status": "V2",
                        "start": la_start,
                        "end": la_end,
                        "reason_ended": "E13",
                    }
                )
                placements.append(
                    {
                        "type": "U6",
                        "start": la_start,
                        "end": la_end,
                        "provider_type": "PR1",
                        "provider_name": "Council foster carers",
                        "area": "Northshire",
                    }
                )
                ep["start"] = max(start, la_end)
            episodes.append(ep)
            involvements.append(
                {
                    "professional": worker,
                    "role": "allocated_social_worker",
                    "start": ep["start"]
                    if status == "child_in_need"
                    else min(ep["start"], episodes[0]["start"]),
                }
            )
            involvements.append(
                {
                    "professional": "tm.wright",
                    "role": "team_manager",
                    "start": involvements[-1]["start"],
                }
            )
            visits(worker, ep["start"], None, every=(35, 60))
            allocated = worker
        elif kind == "cp":
            category = status.split("_")[1]
            start = DEMO_TODAY - self.days(30, 420)
            worker = self.pick_worker("cp")
            referral(start - self.days(18, 30), reasons[category], source=LA)
            events.append(
                {
                    "type": "concern_raised",
                    "occurred": start - self.days(15, 17),
                    "source": "nsp" if category in ("physical", "sexual", "emotional") else school,
                    "recorded_by_name": "Referring officer"
                    if category in ("physical", "sexual", "emotional")
                    else "Designated safeguarding lead",
                    "summary": reasons[category],
                    "details": {"significant_harm": True},
                }
            )
            if category == "sexual":
                events.append(
                    {
                        "type": "disclosure",
                        "occurred": start - self.days(19, 22),
                        "source": school,
                        "recorded_by": dsl,
                        "summary": "Child disclosed sexual harm to a trusted teacher.",
                    }
                )
            if category == "emotional":
                events.append(
                    {
                        "type": "police_incident",
                        "occurred": self.at(start - self.days(20, 25), rng.randint(19, 23), 10),
                        "source": "nsp",
                        "recorded_by": "pc.hall",
                        "summary": "Domestic abuse incident at the family home; child present.",
                        "details": {"incident_ref": f"NSP-{local_id}-DA"},
                        "related": [mother, father],
                    }
                )
            prior = rng.random() < 0.4
            if prior:
                cin_start = start - self.days(200, 400)
                episodes.append(
                    {
                        "kind": "child_in_need",
                        "start": cin_start,
                        "end": start,
                        "primary_need": "N1",
                    }
                )
            episodes.append({"kind": "child_protection", "start": start, "cp_category": category})
            involvements.append(
                {
                    "professional": worker,
                    "role": "allocated_social_worker",
                    "start": episodes[0]["start"],
                }
            )
            involvements.append(
                {"professional": "tm.wright", "role": "team_manager", "start": episodes[0]["start"]}
            )
            involvements.append(
                {"professional": dsl, "role": "school_safeguarding_lead", "start": start}
            )
            visits(worker, start, None, every=(8, 14))
            allocated = worker
        elif kind == "lac":
            legal = status.split("_")[1]
            worker = self.pick_worker("lac")
            allocated = worker
            if legal in ("L1", "L2"):
                start = DEMO_TODAY - self.days(1, 6)
            elif legal == "J1":
                start = DEMO_TODAY - self.days(20, 60)
            else:
                start = DEMO_TODAY - self.days(60, 900 if legal in ("V2", "C2") else 300)
                start = max(start, dob + dt.timedelta(days=7))
            history_start = start
            if legal == "C2":
                # Interim care order first, then the full care order.
                c1_start = max(start - self.days(120, 250), dob + dt.timedelta(days=7))
                episodes.append(
                    {
                        "kind": "child_protection",
                        "start": max(c1_start - self.days(100, 200), dob + dt.timedelta(days=1)),
                        "end": c1_start,
                        "cp_category": rng.choice(["neglect", "physical", "multiple"]),
                    }
                )
                episodes.append(
                    {
                        "kind": "looked_after",
                        "legal_status": "C1",
                        "start": c1_start,
                        "end": start,
                        "reason_ended": "X1",
                    }
                )
                history_start = episodes[0]["start"]
                events.append(
                    {
                        "type": "court_hearing",
                        "occurred": c1_start,
                        "source": LA,
                        "recorded_by": worker,
                        "summary": "Interim care order made.",
                        "details": {
                            "court": "Northshire Family Court",
                            "outcome": "Interim care order (s38)",
                        },
                    }
                )
                events.append(
                    {
                        "type": "court_hearing",
                        "occurred": start,
                        "source": LA,
                        "recorded_by": worker,
                        "summary": "Final hearing: care order made.",
                        "details": {
                            "court": "Northshire Family Court",
                            "outcome": "Care order (s31)",
                        },
                    }
                )
            elif legal == "E1":
                c2_start = max(start - self.days(200, 300), dob + dt.timedelta(days=7))
                episodes.append(
                    {
                        "kind": "looked_after",
                        "legal_status": "C2",
                        "start": c2_start,
                        "end": start,
                        "reason_ended": "X1",
                    }
                )
                history_start = c2_start
                events.append(
                    {
                        "type": "court_hearing",
                        "occurred": start,
                        "source": LA,
                        "recorded_by": worker,
                        "summary": "Placement order made.",
                        "details": {
                            "court": "Northshire Family Court",
                            "outcome": "Placement order",
                        },
                    }
                )
            elif legal == "C1":
                events.append(
                    {
                        "type": "court_hearing",
                        "occurred": start,
                        "source": LA,
                        "recorded_by": worker,
                        "summary": "Interim care order made at the first hearing.",
                        "details": {
                            "court": "Northshire Family Court",
                            "outcome": "Interim care order (s38)",
                        },
                    }
                )
            elif legal == "L1":
                events.append(
                    {
                        "type": "police_protection",
                        "occurred": self.at(start, 22, 15),
                        "source": "nsp",
                        "recorded_by": "pc.robinson",
                        "summary": (
                            "Child taken into police protection: found alone "
                            "at home, parents intoxicated."
                        ),
                        "related": [mother, father],
                    }
                )
            elif legal == "L2":
                events.append(
                    {
                        "type": "court_hearing",
                        "occurred": start,
                        "source": LA,
                        "recorded_by": worker,
                        "summary": "Emergency protection order granted.",
                        "details": {
                            "court": "Northshire Family Court",
                            "outcome": "Emergency protection order (s44)",
                        },
                    }
                )
            elif legal == "J1":
                events.append(
                    {
                        "type": "arrest",
                        "occurred": self.at(start - dt.timedelta(days=1), 16, 30),
                        "source": "nsp",
                        "recorded_by": "pc.robinson",
                        "summary": (
                            "Arrested for robbery; remanded to local authority accommodation."
                        ),
                        "details": {"offence": "Robbery"},
                    }
                )
                events.append(
                    {
                        "type": "court_hearing",
                        "occurred": start,
                        "source": "nyjs",
                        "recorded_by_name": "Youth court officer",
                        "summary": "Remanded to local authority accommodation.",
                        "details": {
                            "court": "Northshire Youth Court",
                            "outcome": "Remand to LA accommodation",
                        },
                    }
                )
            episodes.append({"kind": "looked_after", "legal_status": legal, "start": start})
            # Placements across the looked-after period.
            la_eps = [e for e in episodes if e["kind"] == "looked_after"]
            pl_start = la_eps[0]["start"]
            types = {
                "V2": ["U6", "K2"] + (["H5"] if age >= 16 else []),
                "C1": ["U3", "U6"],
                "C2": ["U6", "U4"],
                "E1": ["U6", "A5"],
                "L1": ["U6"],
                "L2": ["U6"],
                "J1": ["K1"],
            }[legal]
            span = (DEMO_TODAY - pl_start).days
            if legal == "E1":
                # Placed for adoption a few weeks after the placement order.
                cuts = [(start - pl_start).days + 20]
            elif len(types) > 1 and span > 60:
                cuts = sorted(rng.sample(range(10, span), k=len(types) - 1))
            else:
                cuts = []
            bounds = [pl_start] + [pl_start + dt.timedelta(days=c) for c in cuts] + [None]
            for i, ptype in enumerate(types[: len(bounds) - 1]):
                pl = {
                    "type": ptype,
                    "start": bounds[i],
                    "provider_type": {
                        "K1": "PR1",
                        "K2": "PR4",
                        "H5": "PR4",
                        "U3": "PR1",
                        "A5": "PR1",
                    }.get(ptype, rng.choice(["PR1", "PR4"])),
                    "provider_name": {
                        "U6": "Foster carers",
                        "U4": "Long-term foster carers",
                        "U3": "Family and friends carers",
                        "K2": "Hillside Children's Home",
                        "K1": "Northshire Secure Children's Home",
                        "H5": "Northgate supported accommodation",
                        "A5": "Prospective adopters",
                    }[ptype],
                    "area": "Northshire",
                }
                if bounds[i + 1] is not None:
                    pl["end"] = bounds[i + 1]
                    pl["reason_changed"] = "CARPL"
                if ptype == "U4":
                    pl["intended_until_18"] = True
                placements.append(pl)
                if i > 0:
                    events.append(
                        {
                            "type": "placement_move",
                            "occurred": bounds[i],
                            "source": LA,
                            "recorded_by": worker,
                            "summary": f"Moved to {pl['provider_name'].lower()}.",
                            "details": {"to": pl["provider_name"]},
                        }
                    )
            if legal == "V2" and age >= 16:
                pp_start = max(dob + dt.timedelta(days=16 * 365 + 60), la_eps[0]["start"])
                if pp_start < DEMO_TODAY:
                    episodes.append({"kind": "pathway_plan", "start": pp_start})
            involvements.append(
                {"professional": worker, "role": "allocated_social_worker", "start": history_start}
            )
            involvements.append(
                {"professional": "tm.ali", "role": "team_manager", "start": history_start}
            )
            involvements.append(
                {"professional": "iro.brown", "role": "iro", "start": la_eps[0]["start"]}
            )
            involvements.append(
                {
                    "professional": "nurse.green",
                    "role": "designated_nurse",
                    "start": la_eps[0]["start"],
                }
            )
            if age >= 5:
                involvements.append(
                    {
                        "professional": dsl,
                        "role": "school_safeguarding_lead",
                        "start": la_eps[0]["start"],
                    }
                )
            visits(worker, la_eps[0]["start"], None, every=(30, 48), where="Placement")
            # Health assessments: initial about 20 working days in, then yearly (6-monthly
            # under 5); some late, some missing, so the checks have something to find.
            la_start = la_eps[0]["start"]
            if (DEMO_TODAY - la_start).days > 35:
                ha_day = la_start + self.days(18, 40)
                assessments = [
                    {
                        "kind": "initial",
                        "date": ha_day,
                        "assessor_name": "Community paediatrician",
                        "agency": "nchc",
                        "outcome": "Health plan agreed.",
                    }
                ]
                interval = 182 if age < 5 else 365
                while True:
                    ha_day = ha_day + dt.timedelta(days=interval) + self.days(-20, 60)
                    if ha_day > DEMO_TODAY or rng.random() < 0.15:
                        break
                    assessments.append(
                        {
                            "kind": "review",
                            "date": ha_day,
                            "assessor": "nurse.green",
                            "agency": "nchc",
                            "outcome": "Review health assessment completed.",
                        }
                    )
                health["assessments"] = assessments
            if legal in ("V2", "C2") and age >= 13 and rng.random() < 0.7:
                self.missing(local_id, events, la_eps[0]["start"], worker, people)
                involvements.append(
                    {
                        "professional": "gs.campbell",
                        "role": "exploitation_worker",
                        "start": max(la_eps[0]["start"], DEMO_TODAY - dt.timedelta(days=200)),
                    }
                )
                involvements.append(
                    {
                        "professional": "pc.robinson",
                        "role": "police_officer",
                        "start": max(la_eps[0]["start"], DEMO_TODAY - dt.timedelta(days=200)),
                    }
                )
            if legal == "J1":
                involvements.append(
                    {
                        "professional": "pc.robinson",
                        "role": "police_officer",
                        "start": start - dt.timedelta(days=1),
                    }
                )
        elif status == "care_leaver":
            la_start = dob + self.days(14 * 365 + 30, 15 * 365 + 200)
            la_end = dob + dt.timedelta(days=18 * 365 + 5)
            episodes.append(
                {
                    "kind": "looked_after",
                    "legal_status": rng.choice(["V2", "C2"]),
                    "start": la_start,
                    "end": la_end,
                    "reason_ended": "E41",
                }
            )
            placements.append(
                {
                    "type": "U6",
                    "start": la_start,
                    "end": la_end - self.days(100, 200),
                    "provider_type": "PR4",
                    "provider_name": "Foster carers",
                    "area": "Northshire",
                    "reason_changed": "CARPL",
                }
            )
            placements.append(
                {
                    "type": "H5",
                    "start": placements[-1]["end"],
                    "end": la_end,
                    "provider_type": "PR4",
                    "provider_name": "Northgate supported accommodation",
                    "area": "Northshire",
                }
            )
            pp_start = dob + dt.timedelta(days=16 * 365 + 80)
            episodes.append({"kind": "pathway_plan", "start": pp_start})
            involvements.append(
                {"professional": "pa.moore", "role": "personal_adviser", "start": pp_start}
            )
            involvements.append(
                {"professional": "tm.ali", "role": "team_manager", "start": la_start}
            )
            events.append(
                {
                    "type": "note",
                    "occurred": la_end,
                    "source": LA,
                    "recorded_by": "pa.moore",
                    "summary": (
                        "Turned 18: left care; pathway plan continues with a personal adviser."
                    ),
                }
            )
            day = max(la_end, DEMO_TODAY - dt.timedelta(days=400)) + self.days(20, 40)
            while day <= DEMO_TODAY:
                events.append(
                    {
                        "type": "note",
                        "occurred": day,
                        "source": LA,
                        "recorded_by": "pa.moore",
                        "summary": rng.choice(
                            [
                                "Contact with personal adviser; pathway plan reviewed.",
                                "Met at college; finances and housing discussed.",
                                "Phone contact; young person doing well at work.",
                            ]
                        ),
                    }
                )
                day += self.days(45, 80)
            allocated = "pa.moore"
        else:  # pragma: no cover
            raise ValueError(status)

        # Health: GP for everyone, a long-term condition for some.
        first_day = min([e["start"] for e in episodes] + [i["start"] for i in involvements])
        involvements.append(
            {
                "professional": "dr.rahman",
                "role": "gp",
                "start": max(dob, first_day - dt.timedelta(days=365)),
            }
        )
        if age >= 3 and rng.random() < 0.3:
            name, snomed, med, dose = rng.choice(CONDITIONS)
            diag = dob + self.days(365, max(400, (DEMO_TODAY - dob).days - 60))
            cid = f"{local_id}-cond"
            health["conditions"] = [
                {
                    "id": cid,
                    "name": name,
                    "snomed_code": snomed,
                    "diagnosed": diag.strftime("%Y-%m"),
                    "chronic": True,
                    "agency": "nsh",
                }
            ]
            health["medicines"] = [
                {
                    "name": med,
                    "dose": dose,
                    "condition": cid,
                    "prescriber": "dr.rahman",
                    "start": diag + dt.timedelta(days=14),
                    "long_term": True,
                }
            ]
            rx_day = max(diag + dt.timedelta(days=30), DEMO_TODAY - dt.timedelta(days=120))
            k = 1
            while rx_day <= DEMO_TODAY - dt.timedelta(days=3):
                ref = f"{local_id}-RX{k:02d}"
                events.append(
                    {
                        "type": "prescription_issued",
                        "occurred": rx_day,
                        "source": "elm-tree-surgery",
                        "recorded_by": "dr.rahman",
                        "summary": f"{med} prescription issued.",
                        "details": {"medicine": med, "prescription_ref": ref, "days_supply": 28},
                    }
                )
                events.append(
                    {
                        "type": "prescription_dispensed",
                        "occurred": rx_day + dt.timedelta(days=1),
                        "source": "market-pharmacy",
                        "recorded_by": "ph.wilson",
                        "summary": f"{med} dispensed.",
                        "details": {"medicine": med, "prescription_ref": ref},
                    }
                )
                if rng.random() < 0.85:
                    collected = rx_day + self.days(1, 4)
                    if collected <= DEMO_TODAY:
                        events.append(
                            {
                                "type": "prescription_collected",
                                "occurred": collected,
                                "source": "market-pharmacy",
                                "recorded_by": "ph.wilson",
                                "summary": f"{med} collected.",
                                "details": {
                                    "medicine": med,
                                    "prescription_ref": ref,
                                    "collected_by": "Carer" if age < 16 else "Young person",
                                },
                            }
                        )
                elif rx_day + dt.timedelta(days=8) <= DEMO_TODAY:
                    events.append(
                        {
                            "type": "prescription_not_collected",
                            "occurred": rx_day + dt.timedelta(days=8),
                            "source": "market-pharmacy",
                            "recorded_by": "ph.wilson",
                            "summary": f"{med} not collected after 7 days; GP told.",
                            "details": {"medicine": med, "prescription_ref": ref},
                        }
                    )
                rx_day += dt.timedelta(days=28)
                k += 1
        if age >= 5 and rng.random() < 0.25 and kind in ("cp", "child", "lac"):
            day = DEMO_TODAY - self.days(10, 200)
            events.append(
                {
                    "type": "school_absence",
                    "occurred": day,
                    "source": school,
                    "recorded_by": dsl,
                    "summary": "Attendance below 85% this term; school liaising with the family.",
                }
            )

        child["involvements"] = involvements
        child["episodes"] = sorted(episodes, key=lambda e: e["start"])
        if placements:
            child["placements"] = placements
        if health:
            child["health"] = health
        child["events"] = sorted(events, key=lambda e: str(e["occurred"]))
        child["_allocated"] = allocated
        return child

    def family(self, local_id: str, family: str, dob: dt.date) -> list[dict]:
        rng = self.rng
        married = rng.random() < 0.5
        mother = {
            "id": f"{local_id}-mother",
            "given_name": rng.choice(GIVEN_F),
            "family_name": family,
            "sex": "F",
            "date_of_birth": dob - self.days(20 * 365, 38 * 365),
            "relationship": "mother",
            "parental_responsibility": True,
            "pr_basis": "birth_mother",
        }
        father = {
            "id": f"{local_id}-father",
            "given_name": rng.choice(GIVEN_M),
            "family_name": family if married else rng.choice(FAMILY),
            "sex": "M",
            "relationship": "father",
        }
        if married:
            father.update(parental_responsibility=True, pr_basis="married_father")
        elif rng.random() < 0.7:
            father.update(parental_responsibility=True, pr_basis="registered_father")
        else:
            father.update(
                parental_responsibility=False,
                relationship_notes=(
                    "Not registered on the birth certificate; no parental responsibility."
                ),
            )
        people = [mother, father]
        if rng.random() < 0.3:
            people.append(
                {
                    "id": f"{local_id}-gran",
                    "given_name": rng.choice(GIVEN_F),
                    "family_name": family,
                    "sex": "F",
                    "relationship": "grandparent",
                }
            )
        return people

    def missing(self, local_id, events, la_start, worker, people):
        """Two or three missing episodes with returns and return interviews."""
        rng = self.rng
        adult = {
            "id": f"{local_id}-aoc",
            "given_name": "Unknown",
            "family_name": "adult male",
            "known_as": rng.choice(["Jay", "Dee", "Smithy", "K"]),
            "sex": "M",
            "relationship": "adult_of_concern",
            "start": DEMO_TODAY - self.days(150, 200),
            "notes": (
                "Older man seen with the young person; police intelligence suggests exploitation."
            ),
        }
        if adult["start"] < la_start:
            adult["start"] = la_start
        people.append(adult)
        events.append(
            {
                "type": "exploitation_concern",
                "occurred": adult["start"],
                "source": LA,
                "recorded_by": worker,
                "summary": (
                    "Seen getting into cars with an older man; new phone and clothes unexplained."
                ),
                "details": {"exploitation_type": rng.choice(["sexual", "criminal", "both"])},
                "related": [adult["id"]],
            }
        )
        day = max(la_start + dt.timedelta(days=20), DEMO_TODAY - dt.timedelta(days=170))
        for m in range(1, rng.randint(2, 3) + 1):
            day += self.days(20, 45)
            if day >= DEMO_TODAY - dt.timedelta(days=5):
                break
            ref = f"{local_id}-M{m}"
            gone = self.at(day, rng.randint(19, 23), 30)
            back_day = day + dt.timedelta(days=1)
            back = self.at(back_day, rng.randint(8, 15), 0)
            events.append(
                {
                    "type": "missing_from_care",
                    "occurred": gone,
                    "source": "nsp",
                    "recorded_by_name": "Control room",
                    "summary": "Reported missing from placement.",
                    "details": {"missing_code": "M", "episode_ref": ref, "reported_by": "Carer"},
                }
            )
            events.append(
                {
                    "type": "returned_from_missing",
                    "occurred": back,
                    "source": "nsp",
                    "recorded_by": "pc.hall",
                    "summary": "Found and returned to placement.",
                    "details": {
                        "episode_ref": ref,
                        "found_at": rng.choice(
                            ["Town centre", "A friend's house", "Address of an adult of concern"]
                        ),
                    },
                }
            )
            delay = rng.choice([1, 2, 2, 5, None])
            if delay is not None:
                events.append(
                    {
                        "type": "return_interview_offered",
                        "occurred": self.at(back_day + dt.timedelta(days=delay), 11, 0),
                        "source": LA,
                        "recorded_by": "gs.campbell",
                        "summary": "Independent return interview offered.",
                        "details": {
                            "episode_ref": ref,
                            "independent": True,
                            "accepted": rng.random() < 0.6,
                        },
                    }
                )
            day = back_day


def build() -> dict:
    gen = Gen(SEED)
    n = 1
    children = []
    for status, count, ages in PLAN:
        for _ in range(count):
            children.append(gen.child(n, status, ages))
            n += 1
    for c in children:
        c.pop("_allocated")
        _involve_recorders(c)
    agencies = []
    for a in AGENCIES:
        entry = {k: v for k, v in a.items() if k != "teams"}
        if a.get("teams"):
            entry["teams"] = [
                {"code": c, "name": name, **({"front_door": True} if c in FRONT_DOOR else {})}
                for c, name in a["teams"]
            ]
        entry["synthetic"] = True
        agencies.append(entry)
    professionals = []
    for username, given, family, agency, team, job, role in PROFESSIONALS:
        p = {"username": username, "given_name": given, "family_name": family, "agency": agency}
        if team:
            p["team"] = team
        p.update(job_title=job, role=role, password=DEMO_PASSWORD, synthetic=True)
        professionals.append(p)
    children.append(_baby_at_the_front_door(n))
    children.append(_unknown_child_at_the_front_door(n + 1))
    absences, concerns = _front_door(children)
    for c in children:
        c["synthetic"] = True
    # One restricted record (a staff member's child): visible only to the people named on it
    # (an involvement is not enough). The first child in need is chosen; their current
    # allocated social worker and team manager are named.
    restricted = next(c for c in children if c["episodes"][0]["kind"] == "child_in_need")
    restricted["restricted"] = True
    restricted["restricted_to"] = [
        {"professional": inv["professional"], "reason": RESTRICTED_REASONS[inv["role"]]}
        for inv in restricted["involvements"]
        if inv["role"] in ("allocated_social_worker", "team_manager") and "end" not in inv
    ]
    return {
        "safeguard_scenario": 1,
        "title": "Northshire demo partnership",
        "description": (
            f"Synthetic partnership for demonstrations, generated by "
            f"scripts/generate_demo_scenario.py (seed {SEED}, demo today {DEMO_TODAY}). "
            "Every person, child and professional is invented."
        ),
        "partnership": {"agencies": agencies, "professionals": professionals},
        "children": children,
        "concerns": concerns,
        "worker_absences": absences,
    }


# --- The front door and help at home (safeguard/frontdoor) ------------------------------
# Every child in need or on a protection plan came through the front door: a referral,
# decided the next working day, and an assessment; their household is known. A few records
# are chosen so that each front-door check has real work on the demo's today.

REFERRAL_SOURCES = {"School": "2A", "Health visitor": "3B", "Police": "6", "GP": "3A"}
SOURCE_AGENCY = {"2A": "riverside-primary", "3B": "nchc", "6": "nsp", "3A": "elm-tree-surgery"}
FACTORS = {
    "child_in_need": "4B 2B",
    "child_protection": "16A 3B",
}


def _d(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _next_working_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _days_ago(n: int) -> dt.date:
    return DEMO_TODAY - dt.timedelta(days=n)


def _front_door(children: list[dict]) -> tuple[list[dict], list[dict]]:
    """Contacts, assessments and households for the children at home; returns the worker
    absences and the concerns the child protection assessments raised."""
    concerns: list[dict] = []
    at_home = [
        c
        for c in children
        if c.get("episodes")
        and c["episodes"][-1]["kind"] in ("child_in_need", "child_protection")
        and "end" not in c["episodes"][-1]
    ]
    for c in at_home:
        plan = c["episodes"][-1]
        referral = next((e for e in c["events"] if e["type"] == "referral"), None)
        done = next((e for e in c["events"] if e["type"] == "assessment_completed"), None)
        worker = next(
            i["professional"] for i in c["involvements"] if i["role"] == "allocated_social_worker"
        )
        if referral is not None:
            received = _d(referral["occurred"])
            source = REFERRAL_SOURCES.get(referral["details"].get("referrer"), "2A")
            decided = _next_working_day(received)
            c["contacts"] = [
                {
                    "id": f"{c['local_id']}-R1",
                    "kind": "referral",
                    "received": received,
                    "source": source,
                    "referrer_agency": SOURCE_AGENCY.get(source, "riverside-primary"),
                    "summary": referral["summary"].removeprefix("Referral: "),
                    "recorded_by": "fd.patel",
                    "decision": "assessment",
                    "reason": "Needs a social work assessment",
                    "decided": decided,
                    "decided_by": "tm.wright",
                }
            ]
            assessment = {
                "contact": f"{c['local_id']}-R1",
                "worker": worker,
                "started": decided,
                "child_seen": _next_working_day(decided),
                "seen_alone": True,
            }
            completed = _d(done["occurred"]) if done is not None else _d(plan["start"])
            completed = max(completed, assessment["child_seen"])
            if True:
                assessment.update(
                    completed=completed,
                    factors=FACTORS[plan["kind"]],
                    outcome="cin_plan"
                    if plan["kind"] == "child_in_need"
                    else "strategy_discussion",
                )
            if assessment["outcome"] == "strategy_discussion":
                # The outcome raises a concern of significant harm (as on the page); the
                # strategy discussion and conference that followed are not in the demo's
                # record, so the concern is closed when the plan started.
                concern_id = f"{c['local_id']}-CN-A"
                assessment["concern"] = concern_id
                concerns.append(
                    {
                        "id": concern_id,
                        "children": [c["local_id"]],
                        "kind": "significant_harm",
                        "raised": completed,
                        "summary": "Assessment outcome: strategy discussion.",
                        "source": LA,
                        "raised_by": worker,
                        "closed": max(completed, _d(plan["start"])),
                        "closed_reason": "The child protection plan started (initial child "
                        "protection conference).",
                        "synthetic": True,
                    }
                )
            c["assessments"] = [assessment]
        born = _d(c["date_of_birth"])
        c["household"] = [
            {"person": p["id"], "relationship": p["relationship"], "joined": born}
            for p in c.get("people", [])
            if p["relationship"] in ("mother", "father")
        ]
    by_id = {c["local_id"]: c for c in children}

    # A new partner moved in three weeks ago and nobody has asked for checks.
    _partner(by_id["NS00012"], "Lee", "Barton", _days_ago(21))
    # A partner with a conviction for harming a child lives with a child on a plan.
    flagged = _partner(by_id["NS00013"], "Carl", "Dunmore", _days_ago(120))
    by_id["NS00013"]["adult_checks"] = [
        {
            "person": flagged,
            "kind": "police",
            "agency": "nsp",
            "requested": _days_ago(115),
            "result_on": _days_ago(100),
            "result": "Convicted of assault occasioning actual bodily harm to a child (2016)",
            "risk_to_children": True,
        }
    ]
    # Two visits in a row without seeing the child.
    for days, outcome, reason in (
        (3, "no_access", "Nobody answered; curtains drawn"),
        (1, "refused", "Mother refused entry"),
    ):
        by_id["NS00015"]["events"].append(
            {
                "type": "social_worker_visit",
                "occurred": _days_ago(days),
                "source": "nsc",
                "recorded_by": "sw.okafor",
                "summary": f"Visit: {reason.lower()}.",
                "details": {"outcome": outcome, "reason": reason, "location": "Home"},
            }
        )
    # The last visit did not see the child, so a child protection visit is overdue.
    last = [e for e in by_id["NS00018"]["events"] if e["type"] == "social_worker_visit"][-1]
    last["details"] = {
        **last.get("details", {}),
        "outcome": "not_seen",
        "reason": "Child at nursery; mother seen",
    }
    last.get("details", {}).pop("seen_alone", None)
    # Completed without the child seen alone, and no reason given.
    a = by_id["NS00017"].get("assessments", [{}])[0]
    if a:
        a["seen_alone"] = False
    # An assessment left open when the worker changed, long past 45 working days.
    by_id["NS00011"].setdefault("assessments", []).append(
        {"worker": "sw.jones", "started": _days_ago(110)}
    )
    # Three contacts in a year closed with no further action, one judged malicious without
    # speaking to the grandmother who made it.
    nfa = [
        (_days_ago(300), "1D", None, "neighbour", "Neighbour heard shouting late at night."),
        (
            _days_ago(150),
            "2A",
            "riverside-primary",
            None,
            "Child arrived at school without lunch again.",
        ),
        (_days_ago(40), "1A", None, "relative", "Grandmother says the children are left alone."),
    ]
    for i, (received, source, agency, relationship, summary) in enumerate(nfa, 2):
        contact = {
            "id": f"NS00010-R{i}",
            "received": received,
            "source": source,
            "summary": summary,
            "recorded_by": "fd.patel",
            "decision": "nfa",
            "reason": "No role for children's social care",
            "decided": received,
            "decided_by": "tm.wright",
        }
        if agency:
            contact["referrer_agency"] = agency
        else:
            contact["referrer_relationship"] = relationship
        if relationship == "relative":
            contact.update(
                judged_malicious=True, reason="Judged malicious: a family dispute over contact"
            )
        by_id["NS00010"].setdefault("contacts", []).append(contact)
    # A new incident for a child on a protection plan, decided "strategy discussion" by the
    # front door three days ago: the decision raises a concern of significant harm, and no
    # strategy discussion has been convened yet (the front door's list shows it).
    chosen = {"NS00010", "NS00011", "NS00012", "NS00013", "NS00015", "NS00017", "NS00018"}
    target = next(
        c
        for c in at_home
        if c["episodes"][-1]["kind"] == "child_protection"
        and c["local_id"] not in chosen
        and c.get("contacts")
    )
    target["contacts"].append(
        {
            "id": f"{target['local_id']}-R2",
            "kind": "referral",
            "received": _days_ago(4),
            "source": "6",
            "referrer_agency": "nsp",
            "summary": "Police called to a domestic incident at home overnight; the child was "
            "there and has a cut lip.",
            "recorded_by": "fd.patel",
            "decision": "strategy_discussion",
            "reason": "A child on a protection plan hurt during a domestic incident: reasonable "
            "cause to suspect significant harm",
            "decided": _days_ago(3),
            "decided_by": "tm.wright",
        }
    )
    # Closed a year ago with its assessment still open (the family moved away and back).
    ns44 = by_id["NS00044"]
    ns44.setdefault("assessments", []).insert(0, {"worker": "sw.taylor", "started": _days_ago(420)})
    ns44["closures"] = [
        {
            "closed": _days_ago(380),
            "reason": "Family moved out of the area",
            "closed_by": "tm.wright",
        }
    ]
    # A worker off sick with nobody covering their children on plans.
    return [
        {"professional": "sw.okafor", "kind": "sickness", "start": _days_ago(8), "synthetic": True}
    ], concerns


def _partner(child: dict, given: str, family: str, joined: dt.date) -> str:
    person_id = f"{child['local_id']}-partner"
    child["people"].append(
        {
            "id": person_id,
            "given_name": given,
            "family_name": family,
            "sex": "M",
            "relationship": "partner",
            "start": joined,
        }
    )
    child["household"].append({"person": person_id, "relationship": "partner", "joined": joined})
    return person_id


def _baby_at_the_front_door(n: int) -> dict:
    """A four-month-old with a bruise, referred by the health visitor two days ago: no
    decision yet, no strategy discussion, no medical (the front door's most urgent work)."""
    local_id = f"NS{n:05d}"
    born = _days_ago(122)
    nhs = _nhs_for_baby()
    received = _days_ago(2)
    return {
        "local_id": local_id,
        "given_name": "Ivy",
        "family_name": "Marsh",
        "date_of_birth": born,
        "sex": "F",
        "ethnicity": "WBRI",
        "nhs_number": nhs,
        "local_authority": LA,
        "people": [
            {
                "id": f"{local_id}-mother",
                "given_name": "Kayleigh",
                "family_name": "Marsh",
                "sex": "F",
                "relationship": "mother",
                "parental_responsibility": True,
                "pr_basis": "birth_mother",
                "start": born,
            },
        ],
        "involvements": [
            {"professional": "fd.patel", "role": "other", "start": received},
            {"professional": "tm.wright", "role": "team_manager", "start": received},
        ],
        "contacts": [
            {
                "received": received,
                "source": "3B",
                "referrer_agency": "nchc",
                "referrer_name": "Health visitor",
                "summary": "Bruise to the left cheek of a "
                "four-month-old; mother says her older cousin fell on her.",
                "recorded_by": "fd.patel",
            }
        ],
        "household": [{"person": f"{local_id}-mother", "relationship": "mother", "joined": born}],
        "injuries": [
            {
                "noticed": received,
                "agency": "nchc",
                "kind": "bruise",
                "body_site": "left cheek",
                "explanation": "An older cousin fell on her",
                "child_mobile": False,
            }
        ],
        "events": [],
    }


def _unknown_child_at_the_front_door(n: int) -> dict:
    """A seven-year-old nobody in children's services works with: her school's contact
    this morning awaits the front door's decision. Nobody is involved, so only the front
    door's own access (the `front_door` capability) puts her on fd.patel's list."""
    local_id = f"NS{n:05d}"
    born = _days_ago(7 * 365 + 40)
    return {
        "local_id": local_id,
        "given_name": "Lily",
        "family_name": "Harper",
        "date_of_birth": born,
        "sex": "F",
        "ethnicity": "WBRI",
        "nhs_number": _nhs_for_baby(after=_nhs_for_baby()),
        "local_authority": LA,
        "contacts": [
            {
                "received": DEMO_TODAY,
                "source": "2A",
                "referrer_agency": "riverside-primary",
                "referrer_name": "Designated safeguarding lead",
                "summary": "Came to school hungry and without a coat for the third day; "
                "says her mum's new boyfriend shouts at her and she is scared to go home.",
                "recorded_by": "fd.patel",
            }
        ],
        "events": [],
    }


def _nhs_for_baby(after: str = "") -> str:
    # The 999 range is never issued; the first serial past the generator's with a valid
    # check digit (past `after`).
    for serial in range(7000, 7999):  # clear of the demo (4000s) and Worcestershire (9000s)
        if after and f"999000{serial:04d}" <= after:
            continue
        candidate = f"999000{serial:04d}"
        if nhs_number_is_valid(candidate):
            return candidate
    raise AssertionError("no valid NHS number")


# Partners who record for a child are involved with them from their first entry, so their
# home page lists the children they work with (a pharmacist dispensing a looked-after
# child's medicine; the police officer who dealt with a missing episode).
RECORDER_ROLES = {"ph.wilson": "pharmacist", "pc.hall": "police_officer"}


def _involve_recorders(child: dict) -> None:
    for username, role in RECORDER_ROLES.items():
        days = [e["occurred"] for e in child["events"] if e.get("recorded_by") == username]
        if not days or any(i["professional"] == username for i in child["involvements"]):
            continue
        first = min(
            d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d in days
        )
        child["involvements"].append({"professional": username, "role": role, "start": first})


RESTRICTED_REASONS = {
    "allocated_social_worker": "Allocated worker for a staff member's child",
    "team_manager": "Manages the allocated worker for a staff member's child",
}

HEADER = """\
# GENERATED by scripts/generate_demo_scenario.py: do not edit by hand; change the script and
# run it again. Everyone in this file is invented (synthetic). Every demo account signs in
# with the password "safeguard-demo" (demo only; the loader ignores passwords in production).
# Format: docs/scenario-format.md
"""


def render() -> str:
    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # repeated dates are written out, not as &anchors
            return True

    body = yaml.dump(build(), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


# --- Worcestershire today ---------------------------------------------------------------
# The professionals in Sarah's case (scenarios/sarah.yaml) were involved with her until she
# died in 2019; without current work they would sign in to an empty home page. This file,
# loaded after sarah.yaml, gives each of them living children today, with the records that
# make the checks raise work for them: a medicine not collected (GP, pharmacist), a missing
# episode with no return interview (Get Safe, police recorded the return), visits and a
# health assessment overdue (social worker, IRO, nurse).
WORCS_OUTPUT = ROOT / "scenarios" / "worcestershire.yaml"


def _day(days_before: int) -> dt.date:
    return DEMO_TODAY - dt.timedelta(days=days_before)


def build_worcestershire() -> dict:
    jade_start = _day(400)
    jade = {
        "local_id": "WCF-D0001",
        "given_name": "Jade",
        "family_name": "Marlow",
        "date_of_birth": dt.date(2011, 2, 14),
        "sex": "F",
        "ethnicity": "WBRI",
        "nhs_number": "999 000 9007",
        "local_authority": "wcf",
        "people": [
            {
                "id": "WCF-D0001-mother",
                "given_name": "Kelly",
                "family_name": "Marlow",
                "sex": "F",
                "relationship": "mother",
                "parental_responsibility": True,
                "pr_basis": "birth_mother",
            }
        ],
        "involvements": [
            {"professional": "sw.patel", "role": "allocated_social_worker", "start": jade_start},
            {"professional": "tm.morgan", "role": "team_manager", "start": jade_start},
            {"professional": "iro.clarke", "role": "iro", "start": jade_start},
            {"professional": "nurse.bennett", "role": "designated_nurse", "start": jade_start},
            {"professional": "dr.shah", "role": "gp", "start": dt.date(2015, 1, 5)},
            {"professional": "ph.lee", "role": "pharmacist", "start": _day(200)},
            {"professional": "dsl.wood", "role": "school_safeguarding_lead", "start": _day(450)},
            {"professional": "gs.ahmed", "role": "exploitation_worker", "start": _day(120)},
            {"professional": "pc.evans", "role": "police_officer", "start": _day(30)},
        ],
        "episodes": [{"kind": "looked_after", "legal_status": "C2", "start": jade_start}],
        "placements": [
            {
                "type": "U4",
                "start": jade_start,
                "provider_type": "PR4",
                "provider_name": "Foster carers",
                "area": "Worcestershire",
            }
        ],
        "health": {
            "conditions": [
                {
                    "id": "WCF-D0001-epilepsy",
                    "name": "Epilepsy",
                    "snomed_code": "84757009",
                    "diagnosed": "2019-05",
                    "chronic": True,
                    "agency": "county-acute",
                }
            ],
            "medicines": [
                {
                    "name": "Lamotrigine",
                    "dose": "100 mg twice daily",
                    "condition": "WCF-D0001-epilepsy",
                    "prescriber": "dr.shah",
                    "start": dt.date(2019, 6, 1),
                    "long_term": True,
                }
            ],
        },
        "events": [
            {
                "type": "social_worker_visit",
                "occurred": _day(70),
                "source": "wcf",
                "recorded_by": "sw.patel",
                "summary": "Statutory visit at the placement; Jade seen alone.",
                "details": {"seen_alone": True, "location": "Placement"},
            },
            {
                "type": "exploitation_concern",
                "occurred": _day(120),
                "source": "severn-vale-college",
                "recorded_by": "dsl.wood",
                "summary": "Seen at the college gates with older men in a car; told Get Safe.",
                "details": {"exploitation_type": "sexual"},
            },
            {
                "type": "prescription_issued",
                "occurred": _day(20),
                "source": "riverside-medical",
                "recorded_by": "dr.shah",
                "summary": "Lamotrigine prescription issued.",
                "details": {
                    "medicine": "Lamotrigine",
                    "prescription_ref": "WCF-D0001-RX01",
                    "days_supply": 28,
                },
            },
            {
                "type": "prescription_dispensed",
                "occurred": _day(19),
                "source": "high-street-pharmacy",
                "recorded_by": "ph.lee",
                "summary": "Lamotrigine dispensed; waiting for collection.",
                "details": {"medicine": "Lamotrigine", "prescription_ref": "WCF-D0001-RX01"},
            },
            {
                "type": "missing_from_care",
                "occurred": Gen.at(_day(12), 21, 30),
                "source": "west-mercia-police",
                "recorded_by_name": "Control room",
                "summary": "Did not return to the foster home; reported missing by the carer.",
                "details": {
                    "missing_code": "M",
                    "episode_ref": "WCF-D0001-M1",
                    "reported_by": "Foster carer",
                },
            },
            {
                "type": "returned_from_missing",
                "occurred": Gen.at(_day(11), 2, 15),
                "source": "west-mercia-police",
                "recorded_by": "pc.evans",
                "summary": "Found in a flat in the city centre with two adults; taken home.",
                "details": {"episode_ref": "WCF-D0001-M1", "found_at": "City centre flat"},
            },
        ],
    }
    tyler_start = _day(150)
    tyler = {
        "local_id": "WCF-D0002",
        "given_name": "Tyler",
        "family_name": "Brennan",
        "date_of_birth": dt.date(2017, 9, 30),
        "sex": "M",
        "ethnicity": "WBRI",
        "nhs_number": "999 000 9015",
        "local_authority": "wcf",
        "people": [
            {
                "id": "WCF-D0002-mother",
                "given_name": "Nicola",
                "family_name": "Brennan",
                "sex": "F",
                "relationship": "mother",
                "parental_responsibility": True,
                "pr_basis": "birth_mother",
            }
        ],
        "involvements": [
            {"professional": "sw.hughes", "role": "allocated_social_worker", "start": tyler_start},
            {"professional": "tm.morgan", "role": "team_manager", "start": tyler_start},
            {"professional": "dr.shah", "role": "gp", "start": dt.date(2017, 10, 20)},
        ],
        "episodes": [{"kind": "child_in_need", "start": tyler_start}],
        "events": [
            {
                "type": "referral",
                "occurred": tyler_start,
                "source": "wcf",
                "recorded_by_name": "Front door duty worker",
                "summary": "Referral: school worried about neglect; often hungry and unkempt.",
                "details": {"referrer": "School", "decision": "Social work assessment"},
            },
            {
                "type": "social_worker_visit",
                "occurred": _day(40),
                "source": "wcf",
                "recorded_by": "sw.hughes",
                "summary": "Home visit; Tyler seen with his mother, food in the house.",
                "details": {"seen_alone": False, "location": "Home"},
            },
        ],
    }
    children = [jade, tyler]
    for child in children:
        child["synthetic"] = True
        for person in child["people"]:
            person["synthetic"] = True
    return {
        "safeguard_scenario": 1,
        "title": "Worcestershire today (demo)",
        "description": (
            "Living children with current work for the professionals in Sarah's case, "
            f"generated by scripts/generate_demo_scenario.py (demo today {DEMO_TODAY}). Every "
            "person and child is invented. Loaded after scenarios/sarah.yaml."
        ),
        "children": children,
    }


def _dump(data: dict) -> str:
    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # repeated dates are written out, not as &anchors
            return True

    return HEADER + yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def render_worcestershire() -> str:
    return _dump(build_worcestershire())


OUTPUTS = {OUTPUT: render, WORCS_OUTPUT: render_worcestershire}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if demo.yaml is out of date")
    args = parser.parse_args()
    stale = 0
    for output, make in OUTPUTS.items():
        text = make()
        if args.check:
            if output.read_text(encoding="utf-8") != text:
                print(
                    f"{output} is out of date: run scripts/generate_demo_scenario.py",
                    file=sys.stderr,
                )
                stale = 1
            continue
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output.relative_to(ROOT)}")
    return stale


if __name__ == "__main__":
    raise SystemExit(main())
