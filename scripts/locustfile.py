"""Locust users for scripts/bench_load.py (not run on its own: the plan comes from there).

Each user takes the next signed-in professional of the plan (a session made for them by
bench_load.py) and, with no think time, opens their children's summaries and
chronologies and their caseload; in the baseline run (LOAD_PAGES=baseline) it opens the
sign-in page instead, the cheapest page through the same server and middleware.
"""

import itertools
import json
import os
import random

from locust import FastHttpUser, constant, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
PAGES = os.environ.get("LOAD_PAGES", "records")
_next = itertools.count()


class Professional(FastHttpUser):
    wait_time = constant(0)

    def on_start(self):
        entry = PLAN[next(_next) % len(PLAN)]
        self.children = entry["children"]
        self.chronology = entry["chronology"]
        self.headers = {"Cookie": f"sessionid={entry['session']}"}
        self.random = random.Random(entry["session"])

    def _get(self, url, name):
        with self.client.get(url, headers=self.headers, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")

    @task
    def page(self):
        if PAGES == "baseline":
            self.client.get("/sign-in/", name="sign-in page (baseline)")
            return
        child = self.random.choice(self.children)
        choice = self.random.random()
        if PAGES == "summary" or choice < 0.45:
            self._get(f"/children/{child}/", "child summary")
        elif choice < 0.9 and self.chronology:
            self._get(f"/children/{child}/chronology/", "chronology")
        else:
            self._get("/", "caseload")
