"""Concurrent writers keep one unbroken chain (the chain-head row lock serialises them)."""

import threading

import pytest
from django.db import connection, connections, transaction

from safeguard.access import audit, policy
from safeguard.access.models import AuditChainHead, AuditEntry
from tests import factories
from tests.access_helpers import involve, person, request_for


# Skipped before any fixture runs on SQLite, so it does not empty the tables there (a
# transactional test flushes the database when it ends, data-migration rows included).
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers at BEGIN IMMEDIATE; threads need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_parallel_reads_and_writes_form_one_valid_chain():
    AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": audit.GENESIS_HASH})
    sw = person()
    child = factories.child()
    involve(sw, child)
    errors = []
    barrier = threading.Barrier(4)

    def reader():
        try:
            barrier.wait()
            for _ in range(10):
                policy.open_child(request_for(sw), child.pk, area="summary")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def writer():
        try:
            barrier.wait()
            for _ in range(5):
                factories.child()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=t) for t in (reader, reader, writer, writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.checked == AuditEntry.objects.count()
    assert AuditEntry.objects.filter(action="view").count() == 20


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers at BEGIN IMMEDIATE; threads need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_transactions_append_in_different_lanes_without_waiting(settings):
    # Lanes (issue 9): while one transaction holds a lane, another takes a free one at
    # once; if it waited on the first one's lane, the first would time out waiting for it.
    settings.SAFEGUARD_AUDIT_LANES = 4
    child = factories.child()  # commits; the lanes' head rows exist from here
    first_appended, second_done = threading.Event(), threading.Event()
    lanes, errors = {}, []

    def first():
        try:
            with transaction.atomic():
                a = audit.record_command_read(child, area="summary", action="export", via="t")
                first_appended.set()
                assert second_done.wait(timeout=20), "the second transaction waited"
                b = audit.record_command_read(child, area="summary", action="export", via="t")
                lanes["first"] = (a.lane, b.lane)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            first_appended.set()
            connections.close_all()

    def second():
        try:
            assert first_appended.wait(timeout=20)
            with transaction.atomic():
                c = audit.record_command_read(child, area="summary", action="export", via="t")
                lanes["second"] = c.lane
            second_done.set()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    held, again = lanes["first"]
    assert held == again  # a transaction keeps its lane
    assert lanes["second"] != held
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.lanes == 2
    assert report.checked == AuditEntry.objects.count()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers at BEGIN IMMEDIATE; threads need PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("lanes", [1, 2])
def test_when_every_lane_is_held_a_writer_waits_for_one_and_the_chain_stays_whole(settings, lanes):
    # Every lane held by an open transaction: the next writer queues on one of them (as
    # every writer did before lanes) and appends once it is released, in a lane that exists.
    settings.SAFEGUARD_AUDIT_LANES = lanes
    child = factories.child()  # commits; the lanes' head rows exist from here
    held, release, done = threading.Barrier(lanes + 1), threading.Event(), threading.Event()
    got, errors = {}, []

    def holder(lane):
        try:
            with transaction.atomic():
                audit.hold_lane(lane)
                audit.record_command_read(child, area="summary", action="export", via="t")
                held.wait(timeout=20)
                assert release.wait(timeout=20)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def waiter():
        try:
            held.wait(timeout=20)
            with transaction.atomic():
                got["entry"] = audit.record_command_read(
                    child, area="summary", action="export", via="t"
                )
            done.set()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder, args=(lane,)) for lane in range(1, lanes + 1)]
    threads.append(threading.Thread(target=waiter))
    for t in threads:
        t.start()
    assert not done.wait(timeout=1), "the writer did not wait for a held lane"
    release.set()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert 1 <= got["entry"].lane <= lanes
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.checked == AuditEntry.objects.count()
